-- Recompute post_minutes for the posts {posts} ((platform, post_id) pairs)
-- of one event, from the raw tables: per post and UTC minute, the changes a
-- time series adds up (DESIGN §4).
-- A snapshot contributes the change since the previous snapshot of the same
-- post that reports the counter (its first one contributes its full value),
-- in the minute of observed_at. An interaction counts 1 in the minute of
-- occurred_at, for counters no snapshot of its post reports. A post record
-- counts 1 'posts' in the minute of created_at.
-- Minutes the post had a row for and has no change in any more (an
-- interaction moved to another post, a counter now reported by snapshots)
-- get a row of zeros (changes = 0), which replaces the old one.
-- Each table is read once: an interaction is dropped when a snapshot of its
-- post reports its counter (`reported`, a window over the post's pieces).

INSERT INTO post_minutes (event, platform, post_id, minute, changes, posts, impressions, reach, views, likes,
                          comments, shares, clicks, saves, has_impressions, has_reach, has_views, followers,
                          version)
WITH
    snapshot_changes AS (
        SELECT
            platform, post_id, at, counter,
            toInt64(reported_value) - toInt64(lagInFrame(reported_value, 1, 0) OVER (
                PARTITION BY platform, post_id, counter ORDER BY at
                ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)) AS change
        FROM
        (
            SELECT platform, post_id, observed_at AS at, counter, assumeNotNull(value) AS reported_value
            FROM metrics FINAL
            ARRAY JOIN
                ['impressions', 'reach', 'views', 'likes', 'comments', 'shares', 'clicks', 'saves'] AS counter,
                [impressions, reach, views, likes, comments, shares, clicks, saves] AS value
            WHERE event = {event:String} AND (platform, post_id) IN {posts:Array(Tuple(String, String))} AND value IS NOT NULL
        )
    ),
    interaction_changes AS (
        SELECT platform, post_id, occurred_at AS at,
               multiIf(kind = 'like', 'likes', kind = 'comment', 'comments', kind = 'share', 'shares',
                       kind = 'click', 'clicks', kind = 'save', 'saves', 'views') AS counter,
               1 AS change
        FROM interactions FINAL
        WHERE event = {event:String}
          AND (platform, interaction_id) IN (
              SELECT platform, interaction_id FROM interactions_by_post
              WHERE event = {event:String} AND (platform, post_id) IN {posts:Array(Tuple(String, String))})
          AND (platform, post_id) IN {posts:Array(Tuple(String, String))}
    ),
    pieces AS (
        SELECT platform, post_id, at, counter, change
        FROM
        (
            SELECT *, max(from_snapshot) OVER (PARTITION BY platform, post_id, counter) AS reported
            FROM
            (
                SELECT platform, post_id, at, counter, change, 1 AS from_snapshot FROM snapshot_changes
                UNION ALL
                SELECT platform, post_id, at, counter, change, 0 AS from_snapshot FROM interaction_changes
            )
        )
        WHERE from_snapshot = 1 OR reported = 0
        UNION ALL
        SELECT platform, post_id, created_at AS at, 'posts' AS counter, 1 AS change
        FROM posts FINAL
        WHERE event = {event:String} AND (platform, post_id) IN {posts:Array(Tuple(String, String))}
    ),
    fresh AS (
        SELECT
            platform,
            post_id,
            toStartOfMinute(toDateTime(at, 'UTC')) AS minute,
            count() AS changes,
            sumIf(change, counter = 'posts') AS posts,
            sumIf(change, counter = 'impressions') AS impressions,
            sumIf(change, counter = 'reach') AS reach,
            sumIf(change, counter = 'views') AS views,
            sumIf(change, counter = 'likes') AS likes,
            sumIf(change, counter = 'comments') AS comments,
            sumIf(change, counter = 'shares') AS shares,
            sumIf(change, counter = 'clicks') AS clicks,
            sumIf(change, counter = 'saves') AS saves
        FROM pieces
        GROUP BY platform, post_id, minute
    ),
    known AS (
        SELECT platform, post_id, minute
        FROM post_minutes FINAL
        WHERE event = {event:String} AND (platform, post_id) IN {posts:Array(Tuple(String, String))}
    ),
    followers AS (
        SELECT platform, post_id, ifNull(followers, 0) AS followers
        FROM posts FINAL
        WHERE event = {event:String} AND (platform, post_id) IN {posts:Array(Tuple(String, String))}
    )
SELECT {event:String}, platform, post_id, minute, f.changes, f.posts, f.impressions, f.reach, f.views, f.likes,
       f.comments, f.shares, f.clicks, f.saves,
       sum(f.impressions) OVER post > 0, sum(f.reach) OVER post > 0, sum(f.views) OVER post > 0,
       p.followers, {version:UInt64}
FROM fresh AS f
FULL OUTER JOIN known AS k USING (platform, post_id, minute)
LEFT JOIN followers AS p USING (platform, post_id)
WINDOW post AS (PARTITION BY platform, post_id)
SETTINGS join_use_nulls = 0
