-- "Collection stalled" (services/reporter/dashboards/alerts.py): for each connector polling
-- {event}, stalled = 1 when at {at} the event runs ({start} to {end}) and the poller has had
-- no successful pass for {after} of its polling intervals (the interval its own pass records
-- carry), else 0. A poller that never had a successful pass counts from its first pass. A
-- collector that stopped reporting is stalled too: its last success only gets older.
SELECT connector,
       toFloat64(
           {at:DateTime64(3)} >= {start:DateTime64(3)} AND {at:DateTime64(3)} <= {end:DateTime64(3)}
           AND dateDiff('millisecond', coalesce(last_success, first_pass), {at:DateTime64(3)})
               > {after:UInt32} * interval_s * 1000
       ) AS stalled
FROM
(
    SELECT connector,
           argMax(last_success, ended_at) AS last_success,
           min(ended_at) AS first_pass,
           argMax(interval_s, ended_at) AS interval_s
    FROM poller_passes FINAL
    WHERE event = {event:String} AND ended_at <= {at:DateTime64(3)}
    GROUP BY connector
)
ORDER BY connector
