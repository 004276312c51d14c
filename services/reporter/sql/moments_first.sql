-- The earliest moment rows of an event (shared/rollups.py: per record timestamp, +1 for each
-- record stored with it, -1 when a record moved away), in the sort key's order: the first whose
-- sum is > 0 is the earliest timestamp of the event's records. Read without FINAL, so only the
-- first {limit} rows are read, whatever the event's size (figures.py sums them). Ordered by the
-- whole sort key (a moment row's platform and post_id are always ''), which ClickHouse reads in
-- order; `ORDER BY at` alone sorted every moment row of the event (100 ms on the bench store).
SELECT at, pieces
FROM rollups
WHERE event = {event:String} AND grain = 'moment'
ORDER BY event, grain, platform, post_id, at
LIMIT {limit:UInt32}
