-- Per counter of one post, the metrics snapshot that gives its value (DESIGN §4): among the
-- snapshots that report the counter, the one with the latest observed_at (observed_at is part
-- of a snapshot's identity, so there is one), with its source and arrival time (version, ns),
-- and how many snapshots reported it. A counter no snapshot reports has no row.
SELECT
    counter,
    count() AS snapshots,
    argMax(reported, observed_at) AS latest_value,
    max(observed_at) AS latest_at,
    argMax(source, observed_at) AS latest_source,
    argMax(version, observed_at) AS latest_version
FROM metrics FINAL
ARRAY JOIN
    ['impressions', 'reach', 'views', 'likes', 'comments', 'shares', 'clicks', 'saves'] AS counter,
    [impressions, reach, views, likes, comments, shares, clicks, saves] AS reported
WHERE event = {event:String} AND platform = {platform:String} AND post_id = {post_id:String}
  AND reported IS NOT NULL
GROUP BY counter
