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
        SELECT platform, metric, w, sum(amount) AS latest
        FROM
        (
            SELECT c.platform AS platform, c.w AS w, toInt128(c.posts) AS posts,
                   toInt128(if(f.reported_likes, c.likes, c.i_likes)) AS likes,
                   toInt128(if(f.reported_comments, c.comments, c.i_comments)) AS comments,
                   toInt128(if(f.reported_shares, c.shares, c.i_shares)) AS shares,
                   toInt128(if(f.reported_clicks, c.clicks, c.i_clicks)) AS clicks,
                   toInt128(if(f.reported_saves, c.saves, c.i_saves)) AS saves
            FROM
            (
                -- the rollups' minute rows summed per post and window, each counter then taken
                -- from the source post_figures counts it from (as trends.sql)
                SELECT platform, post_id, intDiv(toUnixTimestamp(at), {window_s:UInt32}) AS w,
                       sum(posts) AS posts, sum(likes) AS likes, sum(comments) AS comments,
                       sum(shares) AS shares, sum(clicks) AS clicks, sum(saves) AS saves,
                       sum(i_likes) AS i_likes, sum(i_comments) AS i_comments, sum(i_shares) AS i_shares,
                       sum(i_clicks) AS i_clicks, sum(i_saves) AS i_saves
                FROM rollups FINAL
                WHERE event = {event:String} AND grain = 'minute'
                  AND at >= {from:DateTime64(6)} - toIntervalSecond({window_s:UInt32} * ({baseline_windows:UInt32} + 1))
                  AND at < {to:DateTime64(6)}
                GROUP BY platform, post_id, w
            ) AS c
            LEFT ANY JOIN
            (
                -- one row per post: looked up by one key, ANY match (series.sql says why)
                SELECT concat(platform, ':', post_id) AS post_key,
                       r_likes > 0 AS reported_likes, r_comments > 0 AS reported_comments,
                       r_shares > 0 AS reported_shares, r_clicks > 0 AS reported_clicks,
                       r_saves > 0 AS reported_saves
                FROM rollups FINAL
                WHERE event = {event:String} AND grain = 'post' AND pieces > 0
            ) AS f ON f.post_key = concat(c.platform, ':', c.post_id)
            WHERE f.post_key != ''  -- a cell without sources: no key matched
        )
        ARRAY JOIN ['posts', 'engagements'] AS metric, [posts, $engagements] AS amount
        GROUP BY GROUPING SETS ((metric, w, platform), (metric, w))
    )
)
WHERE latest >= {min_count:UInt64}
  AND (baseline <= 0 OR ratio >= {threshold:Float64})
  AND time >= {from:DateTime64(6)} - toIntervalSecond({window_s:UInt32})
ORDER BY time, platform, metric
