-- The posts an interactions write touched: those the written interactions
-- are on now and every post they were ever stored on (an interaction re-sent
-- on another post leaves its old post one interaction short).
SELECT DISTINCT platform, post_id
FROM interactions
WHERE event = {event:String}
  AND (platform, interaction_id) IN {interactions:Array(Tuple(String, String))}
