-- The stored version of each interaction id a batch carries, read through the raw table's sort
-- key (event, platform, interaction_id): where it counts now, before the batch.
SELECT platform, interaction_id, post_id, kind, occurred_at, version
FROM interactions FINAL
WHERE event = {event:String}
  AND (platform, interaction_id) IN {ids:Array(Tuple(String, String))}
