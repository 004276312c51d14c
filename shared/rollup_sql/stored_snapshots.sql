-- The stored snapshots of the posts a batch has snapshots of, from the batch's earliest one of
-- each post on ({since}, in the order of {posts}), read through the raw table's sort key
-- (event, platform, post_id, observed_at). In order, that is the few snapshots at the batch's
-- own moments; an out-of-order snapshot also reads the ones after it.
SELECT platform, post_id, observed_at, impressions, reach, views, likes, comments, shares, clicks, saves,
       version
FROM metrics FINAL
WHERE event = {event:String}
  AND (platform, post_id) IN {posts:Array(Tuple(String, String))}
  AND observed_at >= {since:Array(DateTime64(6))}[indexOf({posts:Array(Tuple(String, String))}, (platform, post_id))]
