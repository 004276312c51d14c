-- The pieces every time series adds up (DESIGN §4), one row per post, minute
-- and counter: (platform, post_id, at, counter, change), `at` being the start
-- of the UTC minute. Read it as
--   SELECT … FROM engagement_changes(event = 'ausim-2022')
-- The changes come from post_minutes, which the store keeps up to date at
-- every write (shared/rollups.py; the rules are in
-- rollup_sql/refresh_post_minutes.sql). Summed over all time, per post, this
-- gives post_figures.

CREATE OR REPLACE VIEW engagement_changes AS
SELECT platform, post_id, toDateTime64(minute, 6, 'UTC') AS at, counter, change
FROM post_minutes FINAL
ARRAY JOIN
    ['posts', 'impressions', 'reach', 'views', 'likes', 'comments', 'shares', 'clicks', 'saves'] AS counter,
    [posts, impressions, reach, views, likes, comments, shares, clicks, saves] AS change
WHERE event = {event:String} AND change != 0;
