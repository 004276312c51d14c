-- Which of a batch's records the rollups already hold: each record written to the rollups
-- leaves a mark in the same insert (grain 'applied', platform = topic:partition, post_id =
-- offset/version). The version tells a record from another at the same offset of a broker
-- started afresh (local mode's is in memory).
SELECT platform, post_id
FROM rollups
WHERE event = '~applied' AND grain = 'applied'
  AND (platform, post_id) IN {marks:Array(Tuple(String, String))}
GROUP BY platform, post_id
HAVING sum(pieces) > 0
