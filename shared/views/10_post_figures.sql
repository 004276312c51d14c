-- Per-post figures of one event, the rules of DESIGN §4 in SQL (the plain-Python
-- reference is shared/metrics.py). A parameterized view: read it as
--   SELECT … FROM post_figures(event = 'ausim-2022')
-- For each counter: the value of the latest snapshot (by observed_at) that
-- reports it; otherwise the number of distinct interactions of that kind.
-- impressions and reach come from snapshots only.
-- Views are re-created at every start (shared/store.py), so this file is the
-- one definition in force.

CREATE OR REPLACE VIEW post_figures AS
WITH
    snapshots AS (
        SELECT
            platform,
            post_id,
            ifNull(argMaxIf(impressions, observed_at, impressions IS NOT NULL), 0) AS snapshot_impressions,
            countIf(impressions IS NOT NULL) > 0 AS reports_impressions,
            ifNull(argMaxIf(reach, observed_at, reach IS NOT NULL), 0) AS snapshot_reach,
            countIf(reach IS NOT NULL) > 0 AS reports_reach,
            ifNull(argMaxIf(views, observed_at, views IS NOT NULL), 0) AS snapshot_views,
            countIf(views IS NOT NULL) > 0 AS reports_views,
            ifNull(argMaxIf(likes, observed_at, likes IS NOT NULL), 0) AS snapshot_likes,
            countIf(likes IS NOT NULL) > 0 AS reports_likes,
            ifNull(argMaxIf(comments, observed_at, comments IS NOT NULL), 0) AS snapshot_comments,
            countIf(comments IS NOT NULL) > 0 AS reports_comments,
            ifNull(argMaxIf(shares, observed_at, shares IS NOT NULL), 0) AS snapshot_shares,
            countIf(shares IS NOT NULL) > 0 AS reports_shares,
            ifNull(argMaxIf(clicks, observed_at, clicks IS NOT NULL), 0) AS snapshot_clicks,
            countIf(clicks IS NOT NULL) > 0 AS reports_clicks,
            ifNull(argMaxIf(saves, observed_at, saves IS NOT NULL), 0) AS snapshot_saves,
            countIf(saves IS NOT NULL) > 0 AS reports_saves
        FROM metrics FINAL
        WHERE event = {event:String}
        GROUP BY platform, post_id
    ),
    counted AS (
        SELECT
            platform,
            post_id,
            countIf(kind = 'like') AS counted_likes,
            countIf(kind = 'comment') AS counted_comments,
            countIf(kind = 'share') AS counted_shares,
            countIf(kind = 'click') AS counted_clicks,
            countIf(kind = 'save') AS counted_saves,
            countIf(kind = 'view') AS counted_views
        FROM interactions FINAL
        WHERE event = {event:String}
        GROUP BY platform, post_id
    ),
    declared AS (
        SELECT platform, post_id, 1 AS declared, followers, url, text, created_at, account, author, lang,
               media, hashtags, hashtag_keys
        FROM posts FINAL
        WHERE event = {event:String}
    ),
    seen AS (
        SELECT platform, post_id FROM declared
        UNION DISTINCT SELECT platform, post_id FROM snapshots
        UNION DISTINCT SELECT platform, post_id FROM counted
    )
SELECT
    k.platform AS platform,
    k.post_id AS post_id,
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
    s.snapshot_impressions AS impressions,
    s.snapshot_reach AS reach,
    if(s.reports_views, s.snapshot_views, i.counted_views) AS views,
    if(s.reports_likes, s.snapshot_likes, i.counted_likes) AS likes,
    if(s.reports_comments, s.snapshot_comments, i.counted_comments) AS comments,
    if(s.reports_shares, s.snapshot_shares, i.counted_shares) AS shares,
    if(s.reports_clicks, s.snapshot_clicks, i.counted_clicks) AS clicks,
    if(s.reports_saves, s.snapshot_saves, i.counted_saves) AS saves,
    likes + comments + shares + clicks + saves AS engagements
FROM seen AS k
LEFT JOIN snapshots AS s ON s.platform = k.platform AND s.post_id = k.post_id
LEFT JOIN counted AS i ON i.platform = k.platform AND i.post_id = k.post_id
LEFT JOIN declared AS d ON d.platform = k.platform AND d.post_id = k.post_id
SETTINGS join_use_nulls = 0;
