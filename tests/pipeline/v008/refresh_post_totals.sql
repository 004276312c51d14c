-- Recompute post_totals (post_hours summed over all time) for the posts
-- {posts} of one event, once post_hours is up to date
-- for them. Summing a post's changes gives its figures of DESIGN §4: the
-- snapshot changes of a counter add up to its latest reported value, the
-- interactions to their count. Every post given gets a row, zeros included:
-- a post named by any record is listed, as in the reference. Its own fields
-- come from its latest post record (none: declared = 0). first_at and
-- last_at span the timestamps of the post's records, the latest version of
-- each (NULL when none is left: its interactions all moved to other posts).

INSERT INTO post_totals (event, platform, post_id, declared, followers, url, text, created_at, account, author,
                         lang, media, hashtags, hashtag_keys, impressions, reach, views, likes, comments,
                         shares, clicks, saves, first_at, last_at, version)
WITH
    touched AS (
        SELECT DISTINCT post.1 AS platform, post.2 AS post_id FROM (SELECT arrayJoin({posts:Array(Tuple(String, String))}) AS post)
    ),
    sums AS (
        SELECT platform, post_id, sum(impressions) AS impressions, sum(reach) AS reach, sum(views) AS views,
               sum(likes) AS likes, sum(comments) AS comments, sum(shares) AS shares, sum(clicks) AS clicks,
               sum(saves) AS saves
        FROM post_hours FINAL
        WHERE event = {event:String} AND (platform, post_id) IN {posts:Array(Tuple(String, String))}
        GROUP BY platform, post_id
    ),
    declared AS (
        SELECT platform, post_id, 1 AS declared, ifNull(followers, 0) AS followers, url, text, created_at,
               account, author, lang, media, hashtags, hashtag_keys
        FROM posts FINAL
        WHERE event = {event:String} AND (platform, post_id) IN {posts:Array(Tuple(String, String))}
    ),
    moments AS (
        SELECT platform, post_id, CAST(min(at), 'Nullable(DateTime64(6, \'UTC\'))') AS first_at,
               CAST(max(at), 'Nullable(DateTime64(6, \'UTC\'))') AS last_at
        FROM
        (
            SELECT platform, post_id, created_at AS at FROM posts FINAL
            WHERE event = {event:String} AND (platform, post_id) IN {posts:Array(Tuple(String, String))}
            UNION ALL
            SELECT platform, post_id, observed_at FROM metrics FINAL
            WHERE event = {event:String} AND (platform, post_id) IN {posts:Array(Tuple(String, String))}
            UNION ALL
            SELECT platform, post_id, occurred_at FROM interactions FINAL
            WHERE event = {event:String}
              AND (platform, interaction_id) IN (
                  SELECT platform, interaction_id FROM interactions_by_post
                  WHERE event = {event:String} AND (platform, post_id) IN {posts:Array(Tuple(String, String))})
              AND (platform, post_id) IN {posts:Array(Tuple(String, String))}
        )
        GROUP BY platform, post_id
    )
SELECT {event:String}, t.platform, t.post_id, d.declared, d.followers, d.url, d.text, d.created_at, d.account,
       d.author, d.lang, d.media, d.hashtags, d.hashtag_keys, toUInt64(s.impressions), toUInt64(s.reach), toUInt64(s.views),
       toUInt64(s.likes), toUInt64(s.comments), toUInt64(s.shares), toUInt64(s.clicks), toUInt64(s.saves),
       m.first_at, m.last_at, {version:UInt64}
FROM touched AS t
LEFT JOIN sums AS s ON s.platform = t.platform AND s.post_id = t.post_id
LEFT JOIN moments AS m ON m.platform = t.platform AND m.post_id = t.post_id
LEFT JOIN declared AS d ON d.platform = t.platform AND d.post_id = t.post_id
SETTINGS join_use_nulls = 0
