-- The latest moment rows of an event: as moments_first.sql, from the other end.
SELECT at, pieces
FROM rollups
WHERE event = {event:String} AND grain = 'moment'
ORDER BY at DESC
LIMIT {limit:UInt32}
