-- Recompute post_hours (post_minutes summed per UTC hour) for the posts
-- {posts} of one event, once post_minutes is up to date for
-- them. post_minutes keeps a row of zeros for every minute a post ever had
-- changes in, so an hour whose changes are gone gets its row of zeros here.

INSERT INTO post_hours (event, platform, post_id, hour, changes, posts, impressions, reach, views, likes,
                        comments, shares, clicks, saves, has_impressions, has_reach, has_views, followers,
                        version)
SELECT
    {event:String},
    platform,
    post_id,
    toStartOfHour(minute) AS hour,
    sum(changes),
    sum(posts),
    sum(impressions),
    sum(reach),
    sum(views),
    sum(likes),
    sum(comments),
    sum(shares),
    sum(clicks),
    sum(saves),
    max(has_impressions),
    max(has_reach),
    max(has_views),
    max(followers),
    {version:UInt64}
FROM post_minutes FINAL
WHERE event = {event:String}
  AND (platform, post_id) IN {posts:Array(Tuple(String, String))}
GROUP BY platform, post_id, hour
