-- Rollups kept by deltas (issue 12): a batch's cost depends on the batch, not on how many rows its
-- posts already have. One SummingMergeTree table holds every grain, so that a batch's deltas,
-- and the mark saying which records they are for, land in one insert (one part: all or nothing).
-- The design and its proof of exactness: docs/decisions.md, "Rollups by delta".
--
-- grain, and what a row is:
--   post    one per post (at = 0): its sums over all time
--   hour    per post and UTC hour;  minute: per post and UTC minute
--   moment  per record timestamp (platform = post_id = ''): how many stored records have it,
--           the data window is the first and last moment with a count > 0
--   applied one per batch and partition (event = '~applied', post_id = topic:partition/offset/
--           version of the batch's first record there): `pieces` = the offset after its last
--
-- Columns are summed. Counters are kept apart by source and resolved when read
-- (shared/views/10_post_figures.sql): a post's `likes` is its snapshots' (`likes`) when
-- any snapshot reports likes (`r_likes` > 0), else its interactions' (`i_likes`).
--   pieces          snapshot pieces (one per snapshot and counter it reports) and post records
--                   counted in the bucket; a bucket shows when pieces, or the interactions that
--                   count, are > 0
--   posts           post records (created_at in the bucket; post grain: 1 once declared)
--   <counter>       snapshot changes (each snapshot: its value minus the previous reporting one)
--   i_<counter>     interactions of that kind (views, likes, comments, shares, clicks, saves)
--   r_<counter>     post grain: snapshots reporting the counter
--   a_<counter>     post grain: observed_at (µs) of the latest reporting snapshot (its changes
--                   add up to it, as the counter's changes add up to its latest value)
-- Partitioned by day of `at`, so the recent minutes trends.sql reads are found without the
-- whole event.

CREATE TABLE IF NOT EXISTS rollups
(
    event          LowCardinality(String),
    grain          Enum8('post' = 1, 'hour' = 2, 'minute' = 3, 'moment' = 4, 'applied' = 5),
    platform       LowCardinality(String),
    post_id        String,
    at             DateTime64(6, 'UTC'),
    pieces         Int64,
    posts          Int64,
    impressions    Int64,
    reach          Int64,
    views          Int64,
    likes          Int64,
    comments       Int64,
    shares         Int64,
    clicks         Int64,
    saves          Int64,
    i_views        Int64,
    i_likes        Int64,
    i_comments     Int64,
    i_shares       Int64,
    i_clicks       Int64,
    i_saves        Int64,
    r_impressions  Int64,
    r_reach        Int64,
    r_views        Int64,
    r_likes        Int64,
    r_comments     Int64,
    r_shares       Int64,
    r_clicks       Int64,
    r_saves        Int64,
    a_impressions  Int64,
    a_reach        Int64,
    a_views        Int64,
    a_likes        Int64,
    a_comments     Int64,
    a_shares       Int64,
    a_clicks       Int64,
    a_saves        Int64
)
ENGINE = SummingMergeTree
PARTITION BY toDate(at)
ORDER BY (event, grain, platform, post_id, at)
SETTINGS non_replicated_deduplication_window = 1000;

-- What the recomputing rollups needed and the deltas do not: the per-post list of interactions
-- (found through the raw table's own key now) and the three recomputed tables.
DROP VIEW IF EXISTS interactions_by_post_feed;
DROP TABLE IF EXISTS interactions_by_post;
DROP VIEW IF EXISTS post_figures;
DROP VIEW IF EXISTS engagement_changes;
DROP TABLE IF EXISTS post_totals;
DROP TABLE IF EXISTS post_hours;
DROP TABLE IF EXISTS post_minutes
