-- Every rejected record with its reason, oldest first (for rejected.ndjson).
SELECT reject_id, received_at, event, source, line, field, reason, base64Encode(raw) AS raw_base64
FROM rejected FINAL
ORDER BY received_at, source, line
