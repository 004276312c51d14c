-- The state each connector's latest pass for {event} left as of {at} (poller_passes, migration
-- 008, shared/passes.py), one row per connector in {connectors}, in that order: 'none' for a
-- connector with no pass recorded for the event (not configured for it, or its collector never
-- ran), so the wall always shows every connector.
SELECT c.connector AS connector, if(s.state = '', 'none', s.state) AS state
FROM
(
    SELECT connector, position
    FROM
    (
        SELECT arrayJoin(arrayEnumerate({connectors:Array(String)})) AS position,
               {connectors:Array(String)}[position] AS connector
    )
) AS c
LEFT JOIN
(
    SELECT connector, argMax(state, ended_at) AS state
    FROM poller_passes FINAL
    WHERE event = {event:String} AND ended_at <= {at:DateTime64(3)}
    GROUP BY connector
) AS s ON s.connector = c.connector
ORDER BY c.position
