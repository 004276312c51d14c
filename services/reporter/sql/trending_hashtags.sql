-- Hashtags by new posts in the latest window [at - window, at) against the
-- trailing baseline, with the spike rule of trends.sql.
SELECT
    key,
    countIf(p.created_at >= {at:DateTime64(6)} - toIntervalSecond({window_s:UInt32})) AS latest_posts,
    countIf(p.created_at < {at:DateTime64(6)} - toIntervalSecond({window_s:UInt32})) AS baseline_posts,
    latest_posts / ({window_s:UInt32} / 60) AS latest_per_minute,
    baseline_posts / ({baseline_s:UInt32} / 60) AS baseline_per_minute,
    if(baseline_posts > 0, latest_per_minute / baseline_per_minute, NULL) AS ratio,
    latest_posts >= {min_count:UInt64} AND (baseline_posts = 0 OR ratio >= {threshold:Float64}) AS spike
FROM posts AS p FINAL
ARRAY JOIN p.hashtag_keys AS key
WHERE p.event = {event:String}
  AND p.created_at >= {at:DateTime64(6)} - toIntervalSecond({window_s:UInt32} + {baseline_s:UInt32})
  AND p.created_at < {at:DateTime64(6)}
GROUP BY key
ORDER BY latest_posts DESC, key
LIMIT {limit:UInt32}
