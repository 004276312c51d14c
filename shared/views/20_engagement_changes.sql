-- The pieces every time series adds up (DESIGN §4), one row per post, minute
-- and counter: (platform, post_id, at, counter, change), `at` being the start
-- of the UTC minute. Read it as
--   SELECT … FROM engagement_changes(event = 'ausim-2022')
-- The changes come from the minute rows of `rollups` (kept by delta at every
-- write, shared/rollups.py), each counter from the source post_figures counts it
-- from: the snapshots' changes when a snapshot of the post reports it, its
-- interactions otherwise. Summed over all time, per post, this gives post_figures.
-- `FINAL` on a summing table sums only the columns read and drops a row whose read sums are all
-- 0, so a read of post rows keeps `pieces` (> 0 for every post a record named).

CREATE OR REPLACE VIEW engagement_changes AS
SELECT platform, post_id, at, counter, change
FROM
(
    SELECT c.platform AS platform, c.post_id AS post_id, c.at AS at, c.posts AS posts,
           c.impressions AS impressions, c.reach AS reach,
           if(f.reported_views, c.views, c.i_views) AS views,
           if(f.reported_likes, c.likes, c.i_likes) AS likes,
           if(f.reported_comments, c.comments, c.i_comments) AS comments,
           if(f.reported_shares, c.shares, c.i_shares) AS shares,
           if(f.reported_clicks, c.clicks, c.i_clicks) AS clicks,
           if(f.reported_saves, c.saves, c.i_saves) AS saves
    FROM
    (
        SELECT platform, post_id, at, posts, impressions, reach, views, likes, comments, shares, clicks, saves,
               i_views, i_likes, i_comments, i_shares, i_clicks, i_saves
        FROM rollups FINAL
        WHERE event = {event:String} AND grain = 'minute'
    ) AS c
    INNER JOIN
    (
        SELECT platform, post_id, r_views > 0 AS reported_views, r_likes > 0 AS reported_likes,
               r_comments > 0 AS reported_comments, r_shares > 0 AS reported_shares,
               r_clicks > 0 AS reported_clicks, r_saves > 0 AS reported_saves
        FROM rollups FINAL
        WHERE event = {event:String} AND grain = 'post' AND pieces > 0
    ) AS f ON f.platform = c.platform AND f.post_id = c.post_id
)
ARRAY JOIN
    ['posts', 'impressions', 'reach', 'views', 'likes', 'comments', 'shares', 'clicks', 'saves'] AS counter,
    [posts, impressions, reach, views, likes, comments, shares, clicks, saves] AS change
WHERE change != 0;
