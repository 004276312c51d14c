-- The data window: the earliest and latest timestamp of the event's records
-- (the latest version of each), from post_totals (shared/rollups.py) and the
-- mentions.
SELECT count(first_at) AS records, min(first_at) AS first, max(last_at) AS last
FROM
(
    SELECT first_at, last_at FROM post_totals FINAL WHERE event = {event:String}
    UNION ALL
    SELECT published_at, published_at FROM mentions FINAL WHERE event = {event:String}
)
