-- Per post and counter, the latest reporting snapshot as the rollups know it: its observed_at
-- (µs) and value are the sums of the post's a_<counter> and <counter> changes, r_<counter> how
-- many snapshots report it. One row per post through the sort key (event, grain, platform, post_id).
SELECT platform, post_id,
       sum(r_impressions), sum(r_reach), sum(r_views), sum(r_likes), sum(r_comments), sum(r_shares),
       sum(r_clicks), sum(r_saves),
       sum(a_impressions), sum(a_reach), sum(a_views), sum(a_likes), sum(a_comments), sum(a_shares),
       sum(a_clicks), sum(a_saves),
       sum(impressions), sum(reach), sum(views), sum(likes), sum(comments), sum(shares), sum(clicks),
       sum(saves)
FROM rollups
WHERE event = {event:String} AND grain = 'post'
  AND (platform, post_id) IN {posts:Array(Tuple(String, String))}
GROUP BY platform, post_id
