-- Per-post figures of one event, the rules of DESIGN §4 (the plain-Python
-- reference is tests/reference.py). A parameterized view: read it as
--   SELECT … FROM post_figures(event = 'ausim-2022')
-- It reads post_totals, which the store keeps up to date at every write
-- (shared/rollups.py; the rules are in rollup_sql/refresh_post_minutes.sql)
-- and which holds each post's own fields too. A post is listed when any
-- record names it.
-- Views are re-created at every start (shared/store.py), so this file is the
-- one definition in force.

CREATE OR REPLACE VIEW post_figures AS
SELECT
    platform,
    post_id,
    declared,
    followers,
    url,
    text,
    created_at,
    account,
    author,
    lang,
    media,
    hashtags,
    hashtag_keys,
    impressions,
    reach,
    views,
    likes,
    comments,
    shares,
    clicks,
    saves,
    engagements
FROM post_totals FINAL
WHERE event = {event:String};
