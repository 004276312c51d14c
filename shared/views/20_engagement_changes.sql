-- The pieces every time series adds up (DESIGN §4), one row per change:
-- (platform, post_id, at, counter, change). Read it as
--   SELECT … FROM engagement_changes(event = 'ausim-2022')
-- A snapshot contributes the change since the previous snapshot of the same
-- post that reports the counter (its first one contributes its full value),
-- at observed_at. Interactions count 1 at occurred_at, only for counters no
-- snapshot of their post reports. A post record counts 1 'posts' at
-- created_at. Summed over all time, per post, this gives post_figures.

CREATE OR REPLACE VIEW engagement_changes AS
WITH
    snapshot_values AS (
        SELECT platform, post_id, observed_at AS at, counter, value
        FROM metrics FINAL
        ARRAY JOIN
            ['impressions', 'reach', 'views', 'likes', 'comments', 'shares', 'clicks', 'saves'] AS counter,
            [impressions, reach, views, likes, comments, shares, clicks, saves] AS value
        WHERE event = {event:String} AND value IS NOT NULL
    ),
    reported AS (
        SELECT DISTINCT platform, post_id, counter FROM snapshot_values
    )
SELECT
    platform, post_id, at, counter,
    toInt64(assumeNotNull(value)) - toInt64(ifNull(lagInFrame(value, 1, 0) OVER (
        PARTITION BY platform, post_id, counter ORDER BY at
        ROWS BETWEEN 1 PRECEDING AND CURRENT ROW), 0)) AS change
FROM snapshot_values
UNION ALL
SELECT i.platform, i.post_id, i.at, i.counter, 1 AS change
FROM
(
    SELECT platform, post_id, occurred_at AS at,
           multiIf(kind = 'like', 'likes', kind = 'comment', 'comments', kind = 'share', 'shares',
                   kind = 'click', 'clicks', kind = 'save', 'saves', 'views') AS counter
    FROM interactions FINAL
    WHERE event = {event:String}
) AS i
LEFT ANTI JOIN reported AS r
    ON r.platform = i.platform AND r.post_id = i.post_id AND r.counter = i.counter
UNION ALL
SELECT platform, post_id, created_at AS at, 'posts' AS counter, 1 AS change
FROM posts FINAL
WHERE event = {event:String}
