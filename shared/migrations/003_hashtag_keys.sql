-- Hashtags normalised at ingestion (shared/hashtags.py), so that spelling
-- variants of one tag group together in SQL.
ALTER TABLE posts ADD COLUMN IF NOT EXISTS hashtag_keys Array(String) AFTER hashtags;
