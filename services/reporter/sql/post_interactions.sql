-- One post's interactions (the latest version of each: an interaction re-sent on another post
-- belongs to that post now), per kind and source: how many, when the first and last occurred,
-- and the first and last arrival (version, ns). interactions_by_post finds them through the
-- sort key, as shared/rollup_sql does.
SELECT kind, source, count() AS interactions, min(occurred_at) AS first_at, max(occurred_at) AS last_at,
       min(version) AS first_version, max(version) AS last_version
FROM interactions FINAL
WHERE event = {event:String}
  AND (platform, interaction_id) IN (
      SELECT platform, interaction_id FROM interactions_by_post
      WHERE event = {event:String} AND platform = {platform:String} AND post_id = {post_id:String})
  AND platform = {platform:String} AND post_id = {post_id:String}
GROUP BY kind, source
ORDER BY kind, source
