-- Posts ranked by engagements, or by engagement rate by impressions among
-- posts with at least {min_impressions} impressions; each with its own rates.
SELECT
    platform,
    post_id,
    url,
    text,
    account,
    lang,
    created_at,
    declared,
    impressions,
    views,
    engagements,
    if(impressions > 0, engagements / impressions, NULL) AS by_impressions,
    if(reach > 0, engagements / reach, NULL) AS by_reach,
    if(views > 0, engagements / views, NULL) AS by_views,
    if(followers > 0, engagements / followers, NULL) AS by_followers
FROM post_figures(event = {event:String})
WHERE ({platform:String} = '' OR platform = {platform:String})
  AND ({by:String} = 'engagements' OR impressions >= {min_impressions:UInt64})
ORDER BY if({by:String} = 'engagements', toFloat64(engagements), ifNull(by_impressions, 0)) DESC,
         engagements DESC, platform, post_id
LIMIT {limit:UInt32}
