-- The first and last UTC hour with changes of the event (the rollups' hour
-- rows): the span over which series.py checks that a zone's offset is whole hours.
SELECT min(at) AS first, max(at) AS last
FROM rollups
WHERE event = {event:String} AND grain = 'hour'
