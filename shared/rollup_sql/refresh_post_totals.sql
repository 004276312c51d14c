-- Recompute post_totals (post_minutes summed over all time) for the posts
-- given as two parallel arrays of one event, once post_minutes is up to date
-- for them. Summing a post's changes gives its figures of DESIGN §4: the
-- snapshot changes of a counter add up to its latest reported value, the
-- interactions to their count. Every post given gets a row, zeros included:
-- a post named by any record is listed, as in the reference.

INSERT INTO post_totals (event, platform, post_id, impressions, reach, views, likes, comments, shares,
                         clicks, saves, version)
WITH
    touched AS (
        SELECT DISTINCT key.1 AS platform, key.2 AS post_id
        FROM (SELECT arrayJoin(arrayZip({platforms:Array(String)}, {post_ids:Array(String)})) AS key)
    ),
    sums AS (
        SELECT platform, post_id, sum(impressions) AS impressions, sum(reach) AS reach, sum(views) AS views,
               sum(likes) AS likes, sum(comments) AS comments, sum(shares) AS shares, sum(clicks) AS clicks,
               sum(saves) AS saves
        FROM post_minutes FINAL
        WHERE event = {event:String} AND (platform, post_id) IN touched
        GROUP BY platform, post_id
    )
SELECT {event:String}, t.platform, t.post_id, toUInt64(s.impressions), toUInt64(s.reach), toUInt64(s.views),
       toUInt64(s.likes), toUInt64(s.comments), toUInt64(s.shares), toUInt64(s.clicks), toUInt64(s.saves),
       {version:UInt64}
FROM touched AS t
LEFT JOIN sums AS s ON s.platform = t.platform AND s.post_id = t.post_id
SETTINGS join_use_nulls = 0
