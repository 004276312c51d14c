-- Time series (DESIGN §4), one row per bucket and platform: the per-post
-- changes of the rollups' {grain} rows (minute, or hour for a zone whose
-- offset is whole hours) summed per bucket, so the buckets of a series add up
-- to the totals of post_figures. Each counter's changes come from the source
-- post_figures counts it from (the snapshots' changes when a snapshot of the
-- post reports it, its interactions otherwise); a row shows when it holds
-- pieces (snapshots, posts) or interactions that count.
-- Buckets start at minute, hour or day boundaries of the {tz} time zone; the
-- window [from, to) is taken in whole rows of the grain read.
--
-- {cells} names how the rows of one post in one bucket are found:
--   stored  the bucket is the grain's own minute or hour, so each stored row already is one
--           post in one bucket: read with FINAL (one row per key, cheap on a settled store).
--           Its `at` is the bucket's start: every zone's offset since 2000 is whole minutes,
--           and series.py reads hour rows for hour buckets only when every hour boundary of
--           the zone over the data is a UTC hour, so no time zone arithmetic per row
--   summed  the bucket is coarser than the grain (a day of hours, an hour of minutes): the
--           rows are summed per post and bucket first, without FINAL — a sum … GROUP BY over
--           a superset of the sort key gives the summing table's figures exactly, merged or
--           not; a key whose sums are all 0 gives a cell of zeros, which holds no change and
--           is left out below like any cell without changes
-- Either way the post's sources are joined to one row per post and bucket, not to every
-- stored row, and the sources come from the rollups' post rows (as post_figures takes them;
-- `has_views` resolves views by the same rule), with only `followers` from `posts`.
-- The join looks a post up by one key, "platform:post_id" (a platform is a name without ':',
-- so the key is the pair), and takes ANY match: `sources` holds one row per post (the post
-- rows read with FINAL, each joined to at most one `posts` row read with FINAL), so ANY finds
-- the one match there is, and cells of a post without sources (no pieces) are the rows left
-- unmatched, whose key is empty (never so for a match: it holds ':'), dropped as INNER would. A lookup on one key is about a fifth cheaper per cell than
-- ALL on the two columns (docs/decisions.md, "Series read per cell").
-- Resolving after the sum is exact: a post's source is the same in every row, so
-- Σ if(source, a, b) = if(source, Σa, Σb); and a cell's changes are ≥ 0 in each row it sums
-- (pieces and interaction counts of a stored state), so "a row with changes" and "a cell
-- with changes" select the same figures, and a cell without changes adds 0 to every sum.
--
-- A bucket's rate: Σ engagement changes / Σ denominator changes, over the posts
-- whose total denominator is > 0 (as for the totals); by_followers divides by
-- the followers of the posts whose engagements changed in the bucket. NULL
-- unless the bucket's denominator is > 0.
-- Changes are summed as 128-bit integers: one post's fit 64 bits, a bucket's
-- sum over many posts may not (docs/decisions.md). ClickHouse plans every CTE a query
-- names, so the sources' query stays small (docs/decisions.md, "Series read per cell").
WITH
    sources AS (
        SELECT concat(r.platform, ':', r.post_id) AS post_key, r.reported_views AS reported_views,
               r.reported_likes AS reported_likes, r.reported_comments AS reported_comments,
               r.reported_shares AS reported_shares, r.reported_clicks AS reported_clicks,
               r.reported_saves AS reported_saves, r.has_impressions AS has_impressions,
               r.has_reach AS has_reach, r.has_views AS has_views, toUInt128(p.followers) AS followers
        FROM
        (
            SELECT platform, post_id, r_views > 0 AS reported_views, r_likes > 0 AS reported_likes,
                   r_comments > 0 AS reported_comments, r_shares > 0 AS reported_shares,
                   r_clicks > 0 AS reported_clicks, r_saves > 0 AS reported_saves,
                   impressions > 0 AS has_impressions, reach > 0 AS has_reach,
                   if(r_views > 0, views, i_views) > 0 AS has_views
            FROM rollups FINAL
            WHERE event = {event:String} AND grain = 'post' AND pieces > 0
              AND ({platform:String} = '' OR platform = {platform:String})
        ) AS r
        LEFT JOIN
        (
            SELECT platform, post_id, followers
            FROM posts FINAL
            WHERE event = {event:String} AND ({platform:String} = '' OR platform = {platform:String})
        ) AS p ON p.platform = r.platform AND p.post_id = r.post_id
        SETTINGS join_use_nulls = 0
    ),
    stored AS (
        SELECT toUnixTimestamp(at) AS bucket_start, platform, post_id,
               pieces, posts, impressions, reach, views, likes, comments, shares, clicks, saves,
               i_views, i_likes, i_comments, i_shares, i_clicks, i_saves
        FROM rollups FINAL
        WHERE event = {event:String} AND grain = {grain:String}
          AND ({platform:String} = '' OR platform = {platform:String})
          AND at >= {from:DateTime64(6)} AND at < {to:DateTime64(6)}
    ),
    summed AS (
        SELECT toUnixTimestamp(dateTrunc({bucket:String}, at, {tz:String})) AS bucket_start, platform, post_id,
               sum(pieces) AS pieces, sum(posts) AS posts, sum(impressions) AS impressions,
               sum(reach) AS reach, sum(views) AS views, sum(likes) AS likes, sum(comments) AS comments,
               sum(shares) AS shares, sum(clicks) AS clicks, sum(saves) AS saves,
               sum(i_views) AS i_views, sum(i_likes) AS i_likes, sum(i_comments) AS i_comments,
               sum(i_shares) AS i_shares, sum(i_clicks) AS i_clicks, sum(i_saves) AS i_saves
        FROM rollups
        WHERE event = {event:String} AND grain = {grain:String}
          AND ({platform:String} = '' OR platform = {platform:String})
          AND at >= {from:DateTime64(6)} AND at < {to:DateTime64(6)}
        GROUP BY bucket_start, platform, post_id
    ),
    resolved AS (
        SELECT c.bucket_start AS bucket_start, c.platform AS platform,
               toInt128(c.posts) AS n_posts, toInt128(c.impressions) AS n_impressions,
               toInt128(c.reach) AS n_reach,
               toInt128(if(s.reported_views, c.views, c.i_views)) AS n_views,
               toInt128(if(s.reported_likes, c.likes, c.i_likes)) AS likes,
               toInt128(if(s.reported_comments, c.comments, c.i_comments)) AS comments,
               toInt128(if(s.reported_shares, c.shares, c.i_shares)) AS shares,
               toInt128(if(s.reported_clicks, c.clicks, c.i_clicks)) AS clicks,
               toInt128(if(s.reported_saves, c.saves, c.i_saves)) AS saves,
               $engagements AS n_engagements,
               c.pieces + if(s.reported_views, 0, c.i_views) + if(s.reported_likes, 0, c.i_likes)
                   + if(s.reported_comments, 0, c.i_comments) + if(s.reported_shares, 0, c.i_shares)
                   + if(s.reported_clicks, 0, c.i_clicks) + if(s.reported_saves, 0, c.i_saves) AS n_changes,
               s.has_impressions AS has_impressions, s.has_reach AS has_reach, s.has_views AS has_views,
               s.followers AS followers
        FROM {cells:Identifier} AS c
        LEFT ANY JOIN sources AS s ON s.post_key = concat(c.platform, ':', c.post_id)
        WHERE s.post_key != ''  -- a cell without sources: no key matched
    )
SELECT
    bucket_start,
    platform,
    sum(n_posts) AS posts,
    sum(n_impressions) AS impressions,
    sum(n_reach) AS reach,
    sum(n_views) AS views,
    sum(likes) AS likes,
    sum(comments) AS comments,
    sum(shares) AS shares,
    sum(clicks) AS clicks,
    sum(saves) AS saves,
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
FROM resolved
WHERE n_changes > 0
GROUP BY bucket_start, platform
ORDER BY bucket_start, platform
