-- One connector's pollers (one per event) as of {at} (the dashboard's "now"), from their pass
-- records (poller_passes, shared/passes.py): the state their latest pass left, what goes with
-- it (until when a rate limit lifts; why and what to do when blocked; the last error when
-- failed; the parts paused until a time), the last successful pass, the last pass, and the
-- records published in the hour before {at}. A connector with no pass recorded gives one row
-- whose state is 'none' (not configured, or its collector never ran): the panel is never blank.
SELECT event, state, detail, last_success, last_pass, records_last_hour
FROM
(
    SELECT
        event,
        argMax(state, ended_at) AS state,
        argMax(
            arrayStringConcat(
                arrayFilter(
                    part -> part != '',
                    [
                        if(until IS NULL, '', concat('⏱ ', formatDateTime(assumeNotNull(until), '%Y-%m-%d %H:%i UTC', 'UTC'))),
                        why,
                        if(remedy = '', '', concat('→ ', remedy)),
                        arrayStringConcat(paused, '; ')
                    ]
                ),
                ' · '
            ),
            ended_at
        ) AS detail,
        argMax(last_success, ended_at) AS last_success,
        CAST(max(ended_at), 'Nullable(DateTime64(3, \'UTC\'))') AS last_pass,
        toUInt64(sumIf(records, ended_at > {at:DateTime64(3)} - INTERVAL 1 HOUR)) AS records_last_hour
    FROM poller_passes FINAL
    WHERE connector = {connector:String} AND ended_at <= {at:DateTime64(3)}
    GROUP BY event
)
UNION ALL
SELECT
    '' AS event,
    'none' AS state,
    '' AS detail,
    CAST(NULL, 'Nullable(DateTime64(3, \'UTC\'))') AS last_success,
    CAST(NULL, 'Nullable(DateTime64(3, \'UTC\'))') AS last_pass,
    toUInt64(0) AS records_last_hour
WHERE (SELECT count() FROM poller_passes WHERE connector = {connector:String} AND ended_at <= {at:DateTime64(3)}) = 0
ORDER BY event
