-- Which of a batch's records the rollups already hold: each record written to the rollups
-- leaves a mark in the same insert (grain 'applied', platform = topic:partition, post_id =
-- offset/version, the offset zero-padded to 20 digits so that text order is offset order). The
-- version tells a record from another at the same offset of a broker started afresh (local
-- mode's is in memory). Asked per partition for the batch's range of offsets, [{low}, {high}),
-- through the sort key: the marks of that range only, found without binding one per record.
-- shared/rollups.py asks for every partition of a batch at once: this query once per range,
-- its parameters numbered, joined by UNION ALL.
SELECT platform, post_id
FROM rollups
WHERE event = '~applied' AND grain = 'applied'
  AND platform = {partition:String}
  AND post_id >= {low:String} AND post_id < {high:String}
GROUP BY platform, post_id
HAVING sum(pieces) > 0
