-- The posts an interactions write touched: those the written interactions
-- are on now and every post they were ever stored on (an interaction re-sent
-- on another post leaves its old post one interaction short).
SELECT DISTINCT platform, post_id
FROM interactions
WHERE event = {event:String}
  AND (platform, interaction_id) IN (
      SELECT key.1, key.2
      FROM (SELECT arrayJoin(arrayZip({platforms:Array(String)}, {interaction_ids:Array(String)})) AS key))
