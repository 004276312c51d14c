-- The rollups of one event computed from the raw tables in one go: what the deltas of every
-- batch add up to (shared/deltas.py). For a store whose rollups are missing (a migration, the
-- bench's store filled behind the aggregator's back); the event's rows must be empty first.
-- The same pieces as the deltas: a snapshot's change since the previous snapshot reporting the
-- counter (the first: its value) with its observed_at step (r_, a_), an interaction of its kind,
-- a post record; each in its minute and hour and in the post's totals, and every record's moment.
-- A post's `pieces` counts its records (it is listed once any names it); the deltas count every
-- record applied, so only `pieces > 0` means the same in both.

INSERT INTO rollups (event, grain, platform, post_id, at, pieces, posts, impressions, reach, views, likes,
                     comments, shares, clicks, saves, i_views, i_likes, i_comments, i_shares, i_clicks, i_saves,
                     r_impressions, r_reach, r_views, r_likes, r_comments, r_shares, r_clicks, r_saves,
                     a_impressions, a_reach, a_views, a_likes, a_comments, a_shares, a_clicks, a_saves)
WITH
    snapshot_pieces AS (
        SELECT platform, post_id, at, counter,
               reported - lagInFrame(reported, 1, 0) OVER w AS change,
               stamp - lagInFrame(stamp, 1, 0) OVER w AS step
        FROM
        (
            SELECT platform, post_id, observed_at AS at, counter, toInt64(assumeNotNull(value)) AS reported,
                   toInt64(toUnixTimestamp64Micro(observed_at)) AS stamp
            FROM metrics FINAL
            ARRAY JOIN
                ['impressions', 'reach', 'views', 'likes', 'comments', 'shares', 'clicks', 'saves'] AS counter,
                [impressions, reach, views, likes, comments, shares, clicks, saves] AS value
            WHERE event = {event:String} AND value IS NOT NULL
        )
        WINDOW w AS (PARTITION BY platform, post_id, counter ORDER BY at ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)
    ),
    pieces AS (
        SELECT platform, post_id, at, 1 AS n_pieces, 0 AS n_posts, 0 AS seen, counter, change, step, '' AS kind
        FROM snapshot_pieces
        UNION ALL
        SELECT platform, post_id, observed_at, 0, 0, 1, '', 0, 0, ''
        FROM metrics FINAL WHERE event = {event:String}
        UNION ALL
        SELECT platform, post_id, occurred_at, 0, 0, 1, '', 0, 0, kind
        FROM interactions FINAL WHERE event = {event:String}
        UNION ALL
        SELECT platform, post_id, created_at, 1, 1, 1, '', 0, 0, ''
        FROM posts FINAL WHERE event = {event:String}
    )
SELECT {event:String}, grain, platform, post_id,
       multiIf(grain = 'minute', toDateTime64(toStartOfMinute(at), 6, 'UTC'),
               grain = 'hour', toDateTime64(toStartOfHour(at), 6, 'UTC'),
               toDateTime64(0, 6, 'UTC')) AS slot,
       sum(if(grain = 'post', seen, n_pieces)), sum(n_posts),
       sumIf(change, counter = 'impressions'), sumIf(change, counter = 'reach'),
       sumIf(change, counter = 'views'), sumIf(change, counter = 'likes'),
       sumIf(change, counter = 'comments'), sumIf(change, counter = 'shares'),
       sumIf(change, counter = 'clicks'), sumIf(change, counter = 'saves'),
       countIf(kind = 'view'), countIf(kind = 'like'), countIf(kind = 'comment'),
       countIf(kind = 'share'), countIf(kind = 'click'), countIf(kind = 'save'),
       countIf(grain = 'post' AND counter = 'impressions'), countIf(grain = 'post' AND counter = 'reach'),
       countIf(grain = 'post' AND counter = 'views'), countIf(grain = 'post' AND counter = 'likes'),
       countIf(grain = 'post' AND counter = 'comments'), countIf(grain = 'post' AND counter = 'shares'),
       countIf(grain = 'post' AND counter = 'clicks'), countIf(grain = 'post' AND counter = 'saves'),
       sumIf(step, grain = 'post' AND counter = 'impressions'), sumIf(step, grain = 'post' AND counter = 'reach'),
       sumIf(step, grain = 'post' AND counter = 'views'), sumIf(step, grain = 'post' AND counter = 'likes'),
       sumIf(step, grain = 'post' AND counter = 'comments'), sumIf(step, grain = 'post' AND counter = 'shares'),
       sumIf(step, grain = 'post' AND counter = 'clicks'), sumIf(step, grain = 'post' AND counter = 'saves')
FROM pieces
ARRAY JOIN ['minute', 'hour', 'post'] AS grain
GROUP BY grain, platform, post_id, slot
UNION ALL
SELECT {event:String}, 'moment', '', '', at, count(), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
       0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
FROM
(
    SELECT created_at AS at FROM posts FINAL WHERE event = {event:String}
    UNION ALL
    SELECT observed_at FROM metrics FINAL WHERE event = {event:String}
    UNION ALL
    SELECT occurred_at FROM interactions FINAL WHERE event = {event:String}
)
GROUP BY at
