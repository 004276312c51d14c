-- Per-post figures of one event, the rules of DESIGN §4 (the plain-Python
-- reference is tests/reference.py). A parameterized view: read it as
--   SELECT … FROM post_figures(event = 'ausim-2022')
-- It reads the post rows of `rollups`, which the aggregator keeps by delta at
-- every write (shared/rollups.py, shared/deltas.py), and the post's own fields
-- from its stored row. A counter a snapshot of the post reports (r_<counter> > 0)
-- is the latest reported value (the sum of the snapshot changes); otherwise it
-- counts the post's interactions of its kind (i_<counter>). A post is listed
-- when any record named it (pieces: the records applied). `reported_<counter>`
-- tells a series which of the two a post's changes come from.
-- Views are re-created at every start (shared/store.py), so this file is the
-- one definition in force.

CREATE OR REPLACE VIEW post_figures AS
SELECT
    r.platform AS platform,
    r.post_id AS post_id,
    toUInt8(r.posts > 0) AS declared,
    ifNull(p.followers, 0) AS followers,
    p.url AS url,
    p.text AS text,
    p.created_at AS created_at,
    p.account AS account,
    p.author AS author,
    p.lang AS lang,
    p.media AS media,
    p.hashtags AS hashtags,
    p.hashtag_keys AS hashtag_keys,
    toUInt64(r.impressions) AS impressions,
    toUInt64(r.reach) AS reach,
    toUInt64(if(r.r_views > 0, r.views, r.i_views)) AS views,
    toUInt64(if(r.r_likes > 0, r.likes, r.i_likes)) AS likes,
    toUInt64(if(r.r_comments > 0, r.comments, r.i_comments)) AS comments,
    toUInt64(if(r.r_shares > 0, r.shares, r.i_shares)) AS shares,
    toUInt64(if(r.r_clicks > 0, r.clicks, r.i_clicks)) AS clicks,
    toUInt64(if(r.r_saves > 0, r.saves, r.i_saves)) AS saves,
    $engagements AS engagements,
    r.r_views > 0 AS reported_views,
    r.r_likes > 0 AS reported_likes,
    r.r_comments > 0 AS reported_comments,
    r.r_shares > 0 AS reported_shares,
    r.r_clicks > 0 AS reported_clicks,
    r.r_saves > 0 AS reported_saves
FROM
(
    SELECT platform, post_id, pieces, posts, impressions, reach, views, likes, comments, shares, clicks, saves,
           i_views, i_likes, i_comments, i_shares, i_clicks, i_saves,
           r_views, r_likes, r_comments, r_shares, r_clicks, r_saves
    FROM rollups FINAL
    WHERE event = {event:String} AND grain = 'post' AND pieces > 0
) AS r
LEFT JOIN
(
    SELECT platform, post_id, followers, url, text, created_at, account, author, lang, media, hashtags,
           hashtag_keys
    FROM posts FINAL
    WHERE event = {event:String}
) AS p ON p.platform = r.platform AND p.post_id = r.post_id
SETTINGS join_use_nulls = 0;
