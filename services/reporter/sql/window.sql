-- The data window: the earliest and latest timestamp of any record of the
-- event (every version stored), from post_totals (shared/rollups.py) and the
-- mentions.
SELECT count() AS records, min(first) AS first, max(last) AS last
FROM
(
    SELECT first_at AS first, last_at AS last FROM post_totals FINAL WHERE event = {event:String}
    UNION ALL
    SELECT published_at, published_at FROM mentions WHERE event = {event:String}
)
