-- Spikes as marks on the live wall's time series: the rule of trends.sql (new posts or
-- engagements per minute in a window at least {threshold} times the baseline's, with at least
-- {min_count} in the window, or any such activity over an empty baseline) evaluated on the
-- consecutive windows of {window_s} seconds between {from} and {to}, aligned on the clock,
-- each against the {baseline_windows} windows before it; for the whole event (platform = '')
-- and per platform. One row per spike: the window's start and end, the platform, the metric
-- and the ratio (NULL over an empty baseline).
SELECT
    toDateTime(w * {window_s:UInt32}, 'UTC') AS time,
    toDateTime((w + 1) * {window_s:UInt32}, 'UTC') AS time_end,
    platform,
    metric,
    latest,
    if(baseline > 0, (latest / {window_s:UInt32}) / (baseline / ({window_s:UInt32} * {baseline_windows:UInt32})), NULL)
        AS ratio
FROM
(
    SELECT
        platform,
        metric,
        w,
        latest,
        sum(latest) OVER (
            PARTITION BY platform, metric ORDER BY w
            RANGE BETWEEN {baseline_windows:UInt32} PRECEDING AND 1 PRECEDING
        ) AS baseline
    FROM
    (
        SELECT platform, metric, intDiv(toUnixTimestamp(minute), {window_s:UInt32}) AS w, sum(amount) AS latest
        FROM post_minutes FINAL
        ARRAY JOIN ['posts', 'engagements'] AS metric, [toInt128(posts), toInt128(engagements)] AS amount
        WHERE event = {event:String}
          AND minute >= {from:DateTime64(6)} - toIntervalSecond({window_s:UInt32} * ({baseline_windows:UInt32} + 1))
          AND minute < {to:DateTime64(6)}
        GROUP BY GROUPING SETS ((metric, w, platform), (metric, w))
    )
)
WHERE latest >= {min_count:UInt64}
  AND (baseline <= 0 OR ratio >= {threshold:Float64})
  AND time >= {from:DateTime64(6)} - toIntervalSecond({window_s:UInt32})
ORDER BY time, platform, metric
