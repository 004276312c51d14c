-- The data window: the earliest and latest timestamp of the event's records
-- (the latest version of each): the rollups' moments still held by a record
-- (shared/rollups.py), and the mentions.
SELECT count() AS records, min(at) AS first, max(at) AS last
FROM
(
    SELECT at FROM rollups FINAL WHERE event = {event:String} AND grain = 'moment' AND pieces > 0
    UNION ALL
    SELECT published_at FROM mentions FINAL WHERE event = {event:String}
)
