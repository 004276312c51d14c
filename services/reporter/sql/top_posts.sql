-- The posts that drew the most engagements, with each post's own rates.
SELECT
    platform,
    post_id,
    url,
    text,
    engagements,
    if(impressions > 0, engagements / impressions, NULL) AS by_impressions,
    if(reach > 0, engagements / reach, NULL) AS by_reach,
    if(views > 0, engagements / views, NULL) AS by_views,
    if(followers > 0, engagements / followers, NULL) AS by_followers
FROM post_figures(event = {event:String})
ORDER BY engagements DESC, platform, post_id
LIMIT {limit:UInt32}
