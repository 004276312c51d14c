-- Totals and weighted engagement rates (DESIGN §4) per platform, plus one row
-- for the whole event (platform = '' from the ROLLUP).
-- A rate is Σ engagements / Σ denominator over the posts whose denominator
-- is > 0, and NULL when that sum is 0: never a mean of per-post rates.
SELECT
    f.platform AS platform,
    countIf(f.declared) AS posts,
    sum(f.impressions) AS impressions,
    sum(f.reach) AS reach,
    sum(f.views) AS views,
    sum(f.likes) AS likes,
    sum(f.comments) AS comments,
    sum(f.shares) AS shares,
    sum(f.clicks) AS clicks,
    sum(f.saves) AS saves,
    sum(f.engagements) AS engagements,
    if(sum(f.impressions) > 0, sumIf(f.engagements, f.impressions > 0) / sum(f.impressions), NULL)
        AS by_impressions,
    if(sum(f.reach) > 0, sumIf(f.engagements, f.reach > 0) / sum(f.reach), NULL) AS by_reach,
    if(sum(f.views) > 0, sumIf(f.engagements, f.views > 0) / sum(f.views), NULL) AS by_views,
    if(sum(f.followers) > 0, sumIf(f.engagements, f.followers > 0) / sum(f.followers), NULL)
        AS by_followers
FROM post_figures(event = {event:String}) AS f
GROUP BY ROLLUP(f.platform)
ORDER BY platform
