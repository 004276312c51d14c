-- What is moving now: engagements and new posts in the latest window
-- [at - window, at) against the trailing baseline [at - window - baseline,
-- at - window), per platform and for the whole event (platform = '').
-- Changes are located to the minute (post_minutes), so {at} is a whole minute.
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
        SELECT platform, toDateTime64(minute, 6, 'UTC') AS at, metric, amount
        FROM post_minutes FINAL
        ARRAY JOIN ['posts', 'engagements'] AS metric, [toInt128(posts), toInt128(engagements)] AS amount
        WHERE event = {event:String}
          AND minute >= {at:DateTime64(6)} - toIntervalSecond({window_s:UInt32} + {baseline_s:UInt32})
          AND minute < {at:DateTime64(6)}
    )
    GROUP BY ROLLUP(metric, platform)
    HAVING metric != ''
)
ORDER BY platform, metric
