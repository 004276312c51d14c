-- Time series (DESIGN §4), one row per bucket and platform: the per-post
-- changes of the rollups' {grain} rows (minute, or hour for a zone whose
-- offset is whole hours) summed per bucket, so the buckets of a series add up
-- to the totals of post_figures. Each counter's changes come from the source
-- post_figures counts it from (the snapshots' changes when a snapshot of the
-- post reports it, its interactions otherwise); a row shows when it holds
-- pieces (snapshots, posts) or interactions that count.
-- Buckets start at minute, hour or day boundaries of the {tz} time zone; the
-- window [from, to) is taken in whole rows of the grain read.
-- {rows} is slots when each row is already one post in one bucket (the bucket
-- is the grain's own minute or hour) or when the caller asks no rates;
-- otherwise per_post, the rows summed per post and bucket first, which the
-- rates need.
-- A bucket's rate: Σ engagement changes / Σ denominator changes, over the posts
-- whose total denominator is > 0 (as for the totals); by_followers divides by
-- the followers of the posts whose engagements changed in the bucket. NULL
-- unless the bucket's denominator is > 0.
-- Changes are summed as 128-bit integers: one post's fit 64 bits, a bucket's
-- sum over many posts may not (docs/decisions.md).
WITH
    flags AS (
        SELECT platform, post_id, reported_views, reported_likes, reported_comments, reported_shares,
               reported_clicks, reported_saves, impressions > 0 AS has_impressions, reach > 0 AS has_reach,
               views > 0 AS has_views, toUInt128(followers) AS followers
        FROM post_figures(event = {event:String})
        WHERE {platform:String} = '' OR platform = {platform:String}
    ),
    resolved AS (
        SELECT
            toUnixTimestamp(multiIf(
                {bucket:String} = 'minute', toStartOfMinute(c.at, {tz:String}),
                {bucket:String} = 'hour', toStartOfHour(c.at, {tz:String}),
                toDateTime(toStartOfDay(c.at, {tz:String}), {tz:String}))) AS bucket_start,
            c.platform AS platform, c.post_id AS post_id,
            toInt128(c.posts) AS posts, toInt128(c.impressions) AS impressions, toInt128(c.reach) AS reach,
            toInt128(if(f.reported_views, c.views, c.i_views)) AS views,
            toInt128(if(f.reported_likes, c.likes, c.i_likes)) AS likes,
            toInt128(if(f.reported_comments, c.comments, c.i_comments)) AS comments,
            toInt128(if(f.reported_shares, c.shares, c.i_shares)) AS shares,
            toInt128(if(f.reported_clicks, c.clicks, c.i_clicks)) AS clicks,
            toInt128(if(f.reported_saves, c.saves, c.i_saves)) AS saves,
            $engagements AS engagements,
            c.pieces + if(f.reported_views, 0, c.i_views) + if(f.reported_likes, 0, c.i_likes)
                + if(f.reported_comments, 0, c.i_comments) + if(f.reported_shares, 0, c.i_shares)
                + if(f.reported_clicks, 0, c.i_clicks) + if(f.reported_saves, 0, c.i_saves) AS changes,
            f.has_impressions AS has_impressions, f.has_reach AS has_reach, f.has_views AS has_views,
            f.followers AS followers
        FROM
        (
            SELECT platform, post_id, at, pieces, posts, impressions, reach, views, likes, comments, shares,
                   clicks, saves, i_views, i_likes, i_comments, i_shares, i_clicks, i_saves
            FROM rollups FINAL
            WHERE event = {event:String} AND grain = {grain:String}
              AND ({platform:String} = '' OR platform = {platform:String})
              AND at >= {from:DateTime64(6)} AND at < {to:DateTime64(6)}
        ) AS c
        INNER JOIN flags AS f ON f.platform = c.platform AND f.post_id = c.post_id
    ),
    slots AS (
        SELECT bucket_start, platform, post_id, changes AS n_changes, posts AS n_posts,
               impressions AS n_impressions, reach AS n_reach, views AS n_views, likes AS n_likes,
               comments AS n_comments, shares AS n_shares, clicks AS n_clicks, saves AS n_saves,
               engagements AS n_engagements, has_impressions, has_reach, has_views, followers
        FROM resolved
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
