-- Time series (DESIGN §4), one row per bucket and platform: the changes of
-- engagement_changes summed per bucket, so the buckets of a series add up to
-- the totals of post_figures.
-- Buckets start at minute, hour or day boundaries of the {tz} time zone.
-- A bucket's rate: Σ engagement changes / Σ denominator changes, over the posts
-- whose total denominator is > 0 (as for the totals); by_followers divides by
-- the followers of the posts whose engagements changed in the bucket. NULL
-- unless the bucket's denominator is > 0.
WITH
    denominators AS (
        SELECT platform, post_id, impressions > 0 AS has_impressions, reach > 0 AS has_reach,
               views > 0 AS has_views, followers
        FROM post_figures(event = {event:String})
    ),
    per_post AS (
        SELECT
            toUnixTimestamp(multiIf(
                {bucket:String} = 'minute', toStartOfMinute(toDateTime(c.at), {tz:String}),
                {bucket:String} = 'hour', toStartOfHour(toDateTime(c.at), {tz:String}),
                toDateTime(toStartOfDay(toDateTime(c.at), {tz:String}), {tz:String}))) AS bucket_start,
            c.platform AS platform,
            c.post_id AS post_id,
            sumIf(change, counter = 'posts') AS n_posts,
            sumIf(change, counter = 'impressions') AS n_impressions,
            sumIf(change, counter = 'reach') AS n_reach,
            sumIf(change, counter = 'views') AS n_views,
            sumIf(change, counter = 'likes') AS n_likes,
            sumIf(change, counter = 'comments') AS n_comments,
            sumIf(change, counter = 'shares') AS n_shares,
            sumIf(change, counter = 'clicks') AS n_clicks,
            sumIf(change, counter = 'saves') AS n_saves,
            n_likes + n_comments + n_shares + n_clicks + n_saves AS n_engagements,
            any(d.has_impressions) AS has_impressions,
            any(d.has_reach) AS has_reach,
            any(d.has_views) AS has_views,
            any(d.followers) AS followers
        FROM engagement_changes(event = {event:String}) AS c
        LEFT JOIN denominators AS d ON d.platform = c.platform AND d.post_id = c.post_id
        WHERE ({platform:String} = '' OR c.platform = {platform:String})
          AND c.at >= {from:DateTime64(6)} AND c.at < {to:DateTime64(6)}
        GROUP BY bucket_start, c.platform, c.post_id
    )
SELECT
    bucket_start,
    platform,
    sum(n_posts) AS posts,
    sum(n_impressions) AS impressions,
    sum(n_reach) AS reach,
    sum(n_views) AS views,
    sum(n_likes) AS likes,
    sum(n_comments) AS comments,
    sum(n_shares) AS shares,
    sum(n_clicks) AS clicks,
    sum(n_saves) AS saves,
    sum(n_engagements) AS engagements,
    if(sumIf(n_impressions, has_impressions) > 0,
       sumIf(n_engagements, has_impressions) / sumIf(n_impressions, has_impressions), NULL) AS by_impressions,
    if(sumIf(n_reach, has_reach) > 0,
       sumIf(n_engagements, has_reach) / sumIf(n_reach, has_reach), NULL) AS by_reach,
    if(sumIf(n_views, has_views) > 0,
       sumIf(n_engagements, has_views) / sumIf(n_views, has_views), NULL) AS by_views,
    if(sumIf(followers, followers > 0 AND n_engagements != 0) > 0,
       sumIf(n_engagements, followers > 0) / sumIf(followers, followers > 0 AND n_engagements != 0), NULL)
        AS by_followers
FROM per_post
GROUP BY bucket_start, platform
ORDER BY bucket_start, platform
