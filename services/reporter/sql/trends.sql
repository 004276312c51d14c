-- What is moving now: engagements and new posts in the latest window
-- [at - window, at) against the trailing baseline [at - window - baseline,
-- at - window), per platform and for the whole event (platform = '').
-- Changes are located to the minute (the rollups' minute rows, each counter from the
-- source post_figures counts it from), so {at} is a whole minute. The sources are read from
-- the post rows of the rollups alone, as post_figures does, without the posts' own fields.
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
        sumIf(amount, latest_window) AS latest,
        sumIf(amount, NOT latest_window) AS baseline
    FROM
    (
        SELECT c.platform AS platform, c.latest_window AS latest_window, toInt128(c.posts) AS posts,
               toInt128(if(f.reported_likes, c.likes, c.i_likes)) AS likes,
               toInt128(if(f.reported_comments, c.comments, c.i_comments)) AS comments,
               toInt128(if(f.reported_shares, c.shares, c.i_shares)) AS shares,
               toInt128(if(f.reported_clicks, c.clicks, c.i_clicks)) AS clicks,
               toInt128(if(f.reported_saves, c.saves, c.i_saves)) AS saves
        FROM
        (
            -- each post's sums in either window first (a few rows per post, not one per minute; one
            -- post's sums fit 64 bits, docs/decisions.md): a
            -- post's source is the same at every minute, so it is chosen once, after the sums
            SELECT platform, post_id,
                   at >= {at:DateTime64(6)} - toIntervalSecond({window_s:UInt32}) AS latest_window,
                   sum(posts) AS posts, sum(likes) AS likes,
                   sum(comments) AS comments, sum(shares) AS shares,
                   sum(clicks) AS clicks, sum(saves) AS saves,
                   sum(i_likes) AS i_likes, sum(i_comments) AS i_comments,
                   sum(i_shares) AS i_shares, sum(i_clicks) AS i_clicks,
                   sum(i_saves) AS i_saves
            FROM rollups FINAL
            WHERE event = {event:String} AND grain = 'minute'
              AND at >= {at:DateTime64(6)} - toIntervalSecond({window_s:UInt32} + {baseline_s:UInt32})
              AND at < {at:DateTime64(6)}
            GROUP BY platform, post_id, latest_window
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
    GROUP BY ROLLUP(metric, platform)
    HAVING metric != ''
)
ORDER BY platform, metric
