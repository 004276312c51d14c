-- What is moving now: engagements and new posts in the latest window
-- [at - window, at) against the trailing baseline [at - window - baseline,
-- at - window), per platform and for the whole event (platform = '').
-- Changes are located to the minute (the rollups' minute rows, each counter from the
-- source post_figures counts it from), so {at} is a whole minute.
-- Volumes are compared per minute; a spike is a latest rate at least
-- {threshold} times the baseline's (or any activity over an empty baseline),
-- with at least {min_count} in the latest window.
-- A Grafana alert rule runs the same query with its parameters written as
-- Grafana macros and variables ({at} as $__toTime).
SELECT
    platform,
    metric,
    latest,
    baseline,
    latest / ({window_s:UInt32} / 60) AS latest_per_minute,
    baseline / ({baseline_s:UInt32} / 60) AS baseline_per_minute,
    if(baseline > 0, latest_per_minute / baseline_per_minute, NULL) AS ratio,
    latest >= {min_count:UInt64} AND (baseline <= 0 OR ratio >= {threshold:Float64}) AS spike
FROM
(
    SELECT
        platform,
        metric,
        sumIf(amount, at >= {at:DateTime64(6)} - toIntervalSecond({window_s:UInt32})) AS latest,
        sumIf(amount, at < {at:DateTime64(6)} - toIntervalSecond({window_s:UInt32})) AS baseline
    FROM
    (
        SELECT r.platform AS platform, r.at AS at, metric, amount
        FROM
        (
            SELECT c.platform AS platform, c.at AS at, c.posts AS posts,
                   if(f.reported_likes, c.likes, c.i_likes) AS likes,
                   if(f.reported_comments, c.comments, c.i_comments) AS comments,
                   if(f.reported_shares, c.shares, c.i_shares) AS shares,
                   if(f.reported_clicks, c.clicks, c.i_clicks) AS clicks,
                   if(f.reported_saves, c.saves, c.i_saves) AS saves
            FROM
            (
                SELECT platform, post_id, at, posts, likes, comments, shares, clicks, saves, i_likes, i_comments,
                       i_shares, i_clicks, i_saves
                FROM rollups FINAL
                WHERE event = {event:String} AND grain = 'minute'
                  AND at >= {at:DateTime64(6)} - toIntervalSecond({window_s:UInt32} + {baseline_s:UInt32})
                  AND at < {at:DateTime64(6)}
            ) AS c
            INNER JOIN
            (
                SELECT platform, post_id, reported_likes, reported_comments, reported_shares, reported_clicks,
                       reported_saves
                FROM post_figures(event = {event:String})
            ) AS f ON f.platform = c.platform AND f.post_id = c.post_id
        ) AS r
        ARRAY JOIN ['posts', 'engagements'] AS metric, [toInt128(posts), toInt128($engagements)] AS amount
    )
    GROUP BY ROLLUP(metric, platform)
    HAVING metric != ''
)
ORDER BY platform, metric
