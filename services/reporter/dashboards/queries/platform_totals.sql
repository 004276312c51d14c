-- The whole event's figures per platform, by the summary's rules (shared/metrics.py, DESIGN §4):
-- posts are declared posts; every counter is summed over the posts seen in any record;
-- each rate is Σ engagements / Σ denominator over the posts whose denominator is > 0, NULL
-- when that is 0. The same as breakdown.sql by platform over the whole event (the summary).
SELECT
    f.platform AS platform,
    countIf(f.declared) AS posts,
    sum(toUInt128(f.impressions)) AS impressions,
    sum(toUInt128(f.reach)) AS reach,
    sum(toUInt128(f.views)) AS views,
    sum(toUInt128(f.likes)) AS likes,
    sum(toUInt128(f.comments)) AS comments,
    sum(toUInt128(f.shares)) AS shares,
    sum(toUInt128(f.clicks)) AS clicks,
    sum(toUInt128(f.saves)) AS saves,
    sum(toUInt128(f.engagements)) AS engagements,
    if(impressions > 0, sumIf(toUInt128(f.engagements), f.impressions > 0) / impressions, NULL) AS by_impressions,
    if(reach > 0, sumIf(toUInt128(f.engagements), f.reach > 0) / reach, NULL) AS by_reach,
    if(views > 0, sumIf(toUInt128(f.engagements), f.views > 0) / views, NULL) AS by_views,
    if(sum(toUInt128(f.followers)) > 0,
       sumIf(toUInt128(f.engagements), f.followers > 0) / sum(toUInt128(f.followers)), NULL) AS by_followers
FROM post_figures(event = {event:String}) AS f
GROUP BY platform
ORDER BY engagements DESC, platform
