-- The latest moment rows of an event: as moments_first.sql (read in the sort key's order), from
-- the other end.
SELECT at, pieces
FROM rollups
WHERE event = {event:String} AND grain = 'moment'
ORDER BY event DESC, grain DESC, platform DESC, post_id DESC, at DESC
LIMIT {limit:UInt32}
