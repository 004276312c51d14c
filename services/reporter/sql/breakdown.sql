-- Totals and weighted engagement rates (DESIGN §4) per value of one dimension:
-- 'event' (one row, key ''), 'platform', 'account', 'author', 'lang', 'media',
-- 'hashtag' (normalised key; a post counts under each of its tags) or
-- 'session' (agenda sessions during which the post was created; the sessions
-- come as arrays of ids, starts and ends).
-- A rate is Σ engagements / Σ denominator over the posts whose denominator
-- is > 0, and NULL when that sum is 0: never a mean of per-post rates. The
-- engaged_* sums and followers are the parts of the rates, so that figures of
-- disjoint rows add up (services/reporter/figures.py).
-- With windowed = 1 only posts created at from ≤ t < to count.
-- Sums are 128-bit: a post's figures fit 64 bits (counters ≤ 10^15), a sum
-- over many posts may not (docs/decisions.md, "Bounds that make overflow impossible").
-- {keyed} names how posts get their key: `one_key` when each post has one (the event, its
-- platform: no ARRAY JOIN to plan, about 12 ms of the summary's and twice that of compare's
-- time on the bench store), `keys` otherwise (a post counts under each of its tags, each session).
WITH
    one_key AS (
        SELECT if({dimension:String} = 'event', '', f.platform) AS key, f.*
        FROM post_figures(event = {event:String}) AS f
    ),
    keys AS (
        SELECT key, f.*
        FROM post_figures(event = {event:String}) AS f
        ARRAY JOIN multiIf(
            {dimension:String} = 'hashtag', f.hashtag_keys,
            {dimension:String} = 'session',
                arrayMap(i -> {session_ids:Array(String)}[i],
                         arrayFilter(i -> f.declared
                                          AND f.created_at >= {session_starts:Array(DateTime64(6))}[i]
                                          AND f.created_at < {session_ends:Array(DateTime64(6))}[i],
                                     arrayEnumerate({session_ids:Array(String)}))),
            [multiIf({dimension:String} = 'event', '',
                     {dimension:String} = 'platform', f.platform,
                     {dimension:String} = 'account', ifNull(f.account, ''),
                     {dimension:String} = 'author', ifNull(f.author, ''),
                     {dimension:String} = 'lang', ifNull(f.lang, ''),
                     ifNull(f.media, ''))]) AS key
    )
SELECT
    key,
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
    sum(toUInt128(f.followers)) AS followers,
    sumIf(toUInt128(f.engagements), f.impressions > 0) AS engaged_by_impressions,
    sumIf(toUInt128(f.engagements), f.reach > 0) AS engaged_by_reach,
    sumIf(toUInt128(f.engagements), f.views > 0) AS engaged_by_views,
    sumIf(toUInt128(f.engagements), f.followers > 0) AS engaged_by_followers,
    if(impressions > 0, engaged_by_impressions / impressions, NULL) AS by_impressions,
    if(reach > 0, engaged_by_reach / reach, NULL) AS by_reach,
    if(views > 0, engaged_by_views / views, NULL) AS by_views,
    if(followers > 0, engaged_by_followers / followers, NULL) AS by_followers
FROM {keyed:Identifier} AS f
WHERE ({platform:String} = '' OR f.platform = {platform:String})
  AND ({windowed:UInt8} = 0 OR (f.declared AND f.created_at >= {from:DateTime64(6)}
                                AND f.created_at < {to:DateTime64(6)}))
GROUP BY key
ORDER BY engagements DESC, key
LIMIT {limit:UInt32}
