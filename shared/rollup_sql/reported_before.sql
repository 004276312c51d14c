-- Per post and counter, the latest stored snapshot reporting it before {since} (the batch's
-- earliest snapshot of that post): the previous value of the batch's first piece. Asked only for
-- the counters of posts a batch writes out of order (a stored snapshot after {since} reports
-- them), so it reads those posts' earlier snapshots.
SELECT platform, post_id, counter, toInt64(argMax(reported, observed_at)) AS latest,
       max(observed_at) AS latest_at
FROM
(
    SELECT platform, post_id, observed_at, counter, assumeNotNull(value) AS reported
    FROM metrics FINAL
    ARRAY JOIN
        ['impressions', 'reach', 'views', 'likes', 'comments', 'shares', 'clicks', 'saves'] AS counter,
        [impressions, reach, views, likes, comments, shares, clicks, saves] AS value
    WHERE event = {event:String}
      AND (platform, post_id) IN {posts:Array(Tuple(String, String))}
      AND observed_at < {since:Array(DateTime64(6))}[indexOf({posts:Array(Tuple(String, String))}, (platform, post_id))]
      AND value IS NOT NULL
)
GROUP BY platform, post_id, counter
