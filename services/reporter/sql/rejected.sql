-- Records refused for this event (those whose event slug could be read).
SELECT count() AS rejected
FROM rejected FINAL
WHERE event = {event:String}
