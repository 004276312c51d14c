-- A post's picture or video thumbnail, when its source gives one (format v1's optional
-- `media_url`): the PDF report shows it beside the post among its top posts.
ALTER TABLE posts ADD COLUMN IF NOT EXISTS media_url Nullable(String) AFTER media;
