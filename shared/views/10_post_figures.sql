-- Per-post figures of one event, the rules of DESIGN §4 (the plain-Python
-- reference is shared/metrics.py). A parameterized view: read it as
--   SELECT … FROM post_figures(event = 'ausim-2022')
-- The counters come from post_totals, which the store keeps up to date at
-- every write (shared/rollups.py, rollup_sql/refresh_post_totals.sql holds
-- the rules); the post's own fields come from its latest post record.
-- A post is listed when any record names it.
-- Views are re-created at every start (shared/store.py), so this file is the
-- one definition in force.

CREATE OR REPLACE VIEW post_figures AS
WITH
    totals AS (
        SELECT platform, post_id, impressions, reach, views, likes, comments, shares, clicks, saves
        FROM post_totals FINAL
        WHERE event = {event:String}
    ),
    declared AS (
        SELECT platform, post_id, 1 AS declared, followers, url, text, created_at, account, author, lang,
               media, hashtags, hashtag_keys
        FROM posts FINAL
        WHERE event = {event:String}
    )
SELECT
    platform,
    post_id,
    d.declared = 1 AS declared,
    ifNull(d.followers, 0) AS followers,
    d.url AS url,
    d.text AS text,
    d.created_at AS created_at,
    d.account AS account,
    d.author AS author,
    d.lang AS lang,
    d.media AS media,
    d.hashtags AS hashtags,
    d.hashtag_keys AS hashtag_keys,
    t.impressions AS impressions,
    t.reach AS reach,
    t.views AS views,
    t.likes AS likes,
    t.comments AS comments,
    t.shares AS shares,
    t.clicks AS clicks,
    t.saves AS saves,
    likes + comments + shares + clicks + saves AS engagements
FROM totals AS t
FULL OUTER JOIN declared AS d USING (platform, post_id)
SETTINGS join_use_nulls = 0;
