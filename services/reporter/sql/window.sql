-- The data window: the earliest and latest timestamp of any record of the event.
SELECT count() AS records, min(at) AS first, max(at) AS last
FROM
(
    SELECT created_at AS at FROM posts WHERE event = {event:String}
    UNION ALL SELECT observed_at FROM metrics WHERE event = {event:String}
    UNION ALL SELECT occurred_at FROM interactions WHERE event = {event:String}
    UNION ALL SELECT published_at FROM mentions WHERE event = {event:String}
)
