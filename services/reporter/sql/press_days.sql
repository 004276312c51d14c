-- Press articles per day of publication, days on the clock of the {tz} time zone.
SELECT toString(toDate(published_at, {tz:String})) AS day, count() AS articles
FROM mentions FINAL
WHERE event = {event:String}
GROUP BY day
ORDER BY day
