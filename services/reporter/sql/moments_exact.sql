-- The earliest and latest moment still held by a record, summed over all of an event's moment
-- rows: what figures.py falls back to when the rows at one end cancel out further than it read.
SELECT min(at) AS first, max(at) AS last
FROM
(
    SELECT at
    FROM rollups
    WHERE event = {event:String} AND grain = 'moment'
    GROUP BY at
    HAVING sum(pieces) > 0
)
