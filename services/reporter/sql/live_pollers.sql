-- The live page's collection state (services/reporter/live): for each connector polling
-- {event}, the state its latest pass as of {at} left (poller_passes, migration 008, written by
-- services/collector/pollers/reporting.py), what goes with it (until when a rate limit lifts;
-- why and what to do when blocked or failed), its last successful pass, its last pass and the
-- records it published in the hour before {at}. No row: no poller has reported for the event.
SELECT
    connector,
    argMax(platform, ended_at) AS platform,
    argMax(state, ended_at) AS state,
    argMax(until, ended_at) AS until,
    argMax(why, ended_at) AS why,
    argMax(remedy, ended_at) AS remedy,
    argMax(last_success, ended_at) AS last_success,
    max(ended_at) AS last_pass,
    toUInt64(sumIf(records, ended_at > {at:DateTime64(3)} - INTERVAL 1 HOUR)) AS records_last_hour
FROM poller_passes FINAL
WHERE event = {event:String} AND ended_at <= {at:DateTime64(3)}
GROUP BY connector
ORDER BY connector
