-- The stored rows of the posts a batch writes, one per post (FINAL), read through
-- the table's sort key (event, platform, post_id): the aggregator merges them with
-- the batch's records of the same posts (shared/merge.py) before inserting.
SELECT *
FROM posts FINAL
WHERE event = {event:String}
  AND (platform, post_id) IN {posts:Array(Tuple(String, String))}
