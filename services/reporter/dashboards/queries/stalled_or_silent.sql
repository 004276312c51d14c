-- The "collection stalled" rule's query: collection_stalled.sql ({stalled}, one row per
-- connector that has polled the event) and, when no connector has recorded a pass for the
-- event, one row 'none' that is stalled while the event runs ({start} to {end}): nothing is
-- collecting it. The rule therefore always has an answer; Grafana's "no data" is kept for a
-- query that cannot run, and alerts too.
SELECT connector, stalled
FROM ({stalled:String})
UNION ALL
SELECT 'none' AS connector,
       toFloat64({at:DateTime64(3)} >= {start:DateTime64(3)} AND {at:DateTime64(3)} <= {end:DateTime64(3)}) AS stalled
WHERE (SELECT count() FROM poller_passes WHERE event = {event:String} AND ended_at <= {at:DateTime64(3)}) = 0
