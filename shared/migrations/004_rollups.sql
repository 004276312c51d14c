-- Write-time rollups of the per-post figures and time series (DESIGN §4), so
-- that reading an event does not group millions of interactions per post at
-- every request.
--
-- interactions_by_post: every (post, interaction id) ever stored, in post
-- order, so the interactions of a post are found without a full scan. It keeps
-- old placements too (an interaction re-sent on another post): the raw table,
-- read with FINAL, says where each interaction is now.
--
-- post_minutes: per post and UTC minute, the changes a time series adds up;
-- post_hours: the same per UTC hour; post_totals: the same over all time,
-- which are the post's figures. After each batch the aggregator writes, the
-- posts it touched are recomputed from the raw tables (shared/rollups.py,
-- rollup_sql/).
-- A recomputation reads the raw tables, not the previous rollup, so running
-- it twice (a retried batch) or late (after a crash) gives the same rows; the
-- row with the highest version (when it was computed) is the one in force.
-- `changes` counts the pieces summed in a row (snapshots, interactions, post
-- records), so a change of 0 still marks its bucket, and a row of zeros that
-- replaced a minute with no changes left (changes = 0) marks none.
-- post_totals also holds the post's own fields (from its latest post record;
-- declared = 0 and empty fields without one), so post_figures reads one table.
-- first_at and last_at of post_totals: the earliest and latest timestamp of
-- the post's records (latest version of each), for the summary's window.
-- post_minutes is partitioned by UTC day, so the recent minutes trends.sql
-- reads are found without reading the whole event.
-- has_impressions, has_reach, has_views (the post's total is > 0) and
-- followers (its latest post record's) are the post's, copied on each of its
-- rows so a series computes its rates without a join.
-- Every minute is whole in every time zone in use, so minute, hour and day
-- buckets of any zone are sums of post_minutes rows; post_hours serves the
-- zones whose offset is a whole number of hours.

CREATE TABLE IF NOT EXISTS interactions_by_post
(
    event           LowCardinality(String),
    platform        LowCardinality(String),
    post_id         String,
    interaction_id  String
)
ENGINE = ReplacingMergeTree
ORDER BY (event, platform, post_id, interaction_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS interactions_by_post_feed TO interactions_by_post AS
SELECT event, platform, post_id, interaction_id FROM interactions;

INSERT INTO interactions_by_post SELECT event, platform, post_id, interaction_id FROM interactions;

CREATE TABLE IF NOT EXISTS post_totals
(
    event        LowCardinality(String),
    platform     LowCardinality(String),
    post_id      String,
    declared     UInt8,
    followers    UInt64,
    url          Nullable(String),
    text         Nullable(String),
    created_at   DateTime64(6, 'UTC'),
    account      Nullable(String),
    author       Nullable(String),
    lang         Nullable(String),
    media        Nullable(String),
    hashtags     Array(String),
    hashtag_keys Array(String),
    impressions  UInt64,
    reach        UInt64,
    views        UInt64,
    likes        UInt64,
    comments     UInt64,
    shares       UInt64,
    clicks       UInt64,
    saves        UInt64,
    first_at     Nullable(DateTime64(6, 'UTC')),
    last_at      Nullable(DateTime64(6, 'UTC')),
    version      UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (event, platform, post_id);

CREATE TABLE IF NOT EXISTS post_minutes
(
    event        LowCardinality(String),
    platform     LowCardinality(String),
    post_id      String,
    minute       DateTime('UTC'),
    changes      UInt32,
    posts        Int64,
    impressions  Int64,
    reach        Int64,
    views        Int64,
    likes        Int64,
    comments     Int64,
    shares       Int64,
    clicks       Int64,
    saves        Int64,
    has_impressions  UInt8,
    has_reach        UInt8,
    has_views        UInt8,
    followers        UInt64,
    version      UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toDate(minute)
ORDER BY (event, platform, post_id, minute);

CREATE TABLE IF NOT EXISTS post_hours
(
    event        LowCardinality(String),
    platform     LowCardinality(String),
    post_id      String,
    hour         DateTime('UTC'),
    changes      UInt32,
    posts        Int64,
    impressions  Int64,
    reach        Int64,
    views        Int64,
    likes        Int64,
    comments     Int64,
    shares       Int64,
    clicks       Int64,
    saves        Int64,
    has_impressions  UInt8,
    has_reach        UInt8,
    has_views        UInt8,
    followers        UInt64,
    version      UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (event, platform, post_id, hour);
