-- Every event slug the store holds a record for.
SELECT DISTINCT event
FROM
(
    SELECT event FROM posts
    UNION ALL SELECT event FROM metrics
    UNION ALL SELECT event FROM interactions
    UNION ALL SELECT event FROM mentions
)
ORDER BY event
