-- Which of a batch's records the rollups already hold: each record written to the rollups
-- leaves a mark in the same insert (grain 'applied', platform = topic:partition, post_id =
-- offset/version, the offset zero-padded to 20 digits so that text order is offset order). The
-- version tells a record from another at the same offset of a broker started afresh (local
-- mode's is in memory). Asked for the batch's range of offsets in each of its partitions at
-- once: the placeholder below becomes applied_range.sql once per partition, its parameters
-- numbered, joined by OR, so one pass over the sort key reads the marks of those ranges only, found without binding one
-- per record. The rows come back unsummed (a mark written twice is two rows; none come back
-- for a batch seen the first time): shared/rollups.py adds them up, which costs less here than
-- a GROUP BY (docs/decisions.md, "Write cost per batch").
SELECT platform, post_id, pieces
FROM rollups
WHERE event = '~applied' AND grain = 'applied'
  AND ($ranges)
