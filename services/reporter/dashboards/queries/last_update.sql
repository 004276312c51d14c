-- When the store last received a record of {event} up to {at}: the collector's receive time
-- (stored as ``version``, in nanoseconds) of its latest post, metrics snapshot, interaction or
-- mention, in milliseconds since the epoch (the panel writes it hh:mm in the dashboard's time
-- zone); NULL when nothing had arrived.
SELECT if(arrived = 0, NULL, intDiv(toInt64(arrived), 1000000)) AS updated
FROM
(
    SELECT max(version) AS arrived
    FROM
    (
        SELECT version FROM posts WHERE event = {event:String}
        UNION ALL SELECT version FROM metrics WHERE event = {event:String}
        UNION ALL SELECT version FROM interactions WHERE event = {event:String}
        UNION ALL SELECT version FROM mentions WHERE event = {event:String}
    )
    WHERE version <= toUnixTimestamp64Nano(toDateTime64({at:DateTime64(3)}, 9, 'UTC'))
)
