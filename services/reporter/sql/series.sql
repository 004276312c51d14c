-- Time series (DESIGN §4), one row per bucket and platform: the per-post
-- changes of a rollup ({rollup} is post_minutes, its {slot} column minute, or
-- post_hours and hour for a zone whose offset is whole hours) summed per
-- bucket, so the buckets of a series add up to the totals of post_figures.
-- Buckets start at minute, hour or day boundaries of the {tz} time zone; the
-- window [from, to) is taken in whole rows of the rollup read.
-- {rows} is slots when each row is already one post in one bucket (the bucket
-- is the rollup's own minute or hour) or when the caller asks no rates;
-- otherwise per_post, the rows summed per post and bucket first, which the
-- rates need (a row of zeros left by changes that went away has its flags at
-- 0: max).
-- A bucket's rate: Σ engagement changes / Σ denominator changes, over the posts
-- whose total denominator is > 0 (as for the totals); by_followers divides by
-- the followers of the posts whose engagements changed in the bucket. NULL
-- unless the bucket's denominator is > 0.
-- Changes are summed as 128-bit integers: one post's fit 64 bits, a bucket's
-- sum over many posts may not (docs/decisions.md).
WITH
    slots AS (
        SELECT
            toUnixTimestamp(multiIf(
                {bucket:String} = 'minute', toStartOfMinute({slot:Identifier}, {tz:String}),
                {bucket:String} = 'hour', toStartOfHour({slot:Identifier}, {tz:String}),
                toDateTime(toStartOfDay({slot:Identifier}, {tz:String}), {tz:String}))) AS bucket_start,
            platform, post_id, changes AS n_changes, toInt128(posts) AS n_posts,
            toInt128(impressions) AS n_impressions, toInt128(reach) AS n_reach, toInt128(views) AS n_views,
            toInt128(likes) AS n_likes, toInt128(comments) AS n_comments, toInt128(shares) AS n_shares,
            toInt128(clicks) AS n_clicks, toInt128(saves) AS n_saves, toInt128(engagements) AS n_engagements,
            has_impressions, has_reach, has_views, toUInt128(followers) AS followers
        FROM {rollup:Identifier} FINAL
        WHERE event = {event:String}
          AND ({platform:String} = '' OR platform = {platform:String})
          AND {slot:Identifier} >= {from:DateTime64(6)} AND {slot:Identifier} < {to:DateTime64(6)}
    ),
    per_post AS (
        SELECT bucket_start, platform, post_id, sum(n_changes) AS n_changes, sum(n_posts) AS n_posts,
               sum(n_impressions) AS n_impressions, sum(n_reach) AS n_reach, sum(n_views) AS n_views,
               sum(n_likes) AS n_likes, sum(n_comments) AS n_comments, sum(n_shares) AS n_shares,
               sum(n_clicks) AS n_clicks, sum(n_saves) AS n_saves, sum(n_engagements) AS n_engagements,
               max(has_impressions) AS has_impressions, max(has_reach) AS has_reach, max(has_views) AS has_views,
               max(followers) AS followers
        FROM slots
        GROUP BY bucket_start, platform, post_id
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
FROM {rows:Identifier}
WHERE n_changes > 0
GROUP BY bucket_start, platform
ORDER BY bucket_start, platform
