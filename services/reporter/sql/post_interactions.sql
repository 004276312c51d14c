-- One post's interactions (the latest version of each: an interaction re-sent on another post
-- belongs to that post now), per kind and source: how many, when the first and last occurred,
-- and the first and last arrival (version, ns). Read through the (event, platform) prefix of the
-- sort key: interactions_by_post, which found one post's interactions, went with the rollups by
-- delta (migration 009); the post filter applies after FINAL, so a re-sent interaction counts
-- on its latest post only.
SELECT kind, source, count() AS interactions, min(occurred_at) AS first_at, max(occurred_at) AS last_at,
       min(version) AS first_version, max(version) AS last_version
FROM interactions FINAL
WHERE event = {event:String}
  AND platform = {platform:String} AND post_id = {post_id:String}
GROUP BY kind, source
ORDER BY kind, source
