-- The first and last UTC hour with changes of the event (post_hours): the
-- span over which series.py checks that a zone's offset is whole hours.
SELECT min(hour) AS first, max(hour) AS last
FROM post_hours
WHERE event = {event:String}
