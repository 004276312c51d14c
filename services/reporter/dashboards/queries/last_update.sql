-- When the store last received a record of {event} up to {at}: the collector's receive time
-- (stored as ``version``, in nanoseconds) of its latest post, metrics snapshot, interaction or
-- mention, written hh:mm in the event's time zone {zone}; NULL when nothing arrived.
SELECT if(arrived = 0, NULL, formatDateTime(fromUnixTimestamp64Nano(toInt64(arrived), 'UTC'), '%H:%i', {zone:String}))
           AS updated
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
