-- The viral post's history, written behind the aggregator's back (bench/viral.py): {count} likes
-- on one X post of {event}, a millisecond apart over a day from {start}, versions 1…count.
INSERT INTO interactions (event, platform, interaction_id, post_id, kind, occurred_at, source, version)
SELECT {event:String}, 'x', concat('h', toString(number)), {post:String}, 'like',
       {start:DateTime64(6)} + toIntervalMillisecond(number % 86400000), 'api:bench', number + 1
FROM numbers({count:UInt64})
