-- The display form of each normalised hashtag: its most used spelling
-- (ties: the greatest string, so the answer does not change between runs).
SELECT key, concat('#', argMax(trim(LEADING '#' FROM tag), (uses, tag))) AS display
FROM
(
    SELECT key, tag, count() AS uses
    FROM posts FINAL
    ARRAY JOIN hashtag_keys AS key, hashtags AS tag
    WHERE event = {event:String}
    GROUP BY key, tag
)
GROUP BY key
