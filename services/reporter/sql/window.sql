-- The data window's mentions: how many, the first and the last published_at. The records about
-- posts give theirs through the rollups' moments (moments_first.sql, moments_last.sql).
SELECT count() AS records, min(published_at) AS first, max(published_at) AS last
FROM mentions FINAL
WHERE event = {event:String}
