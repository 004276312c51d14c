-- Raw tables: one row per record as it arrived. Every table is keyed by the
-- record's identity (DESIGN §3) and versioned by `version` (the time the
-- collector received it, in ns), so `FINAL` keeps the latest version of each
-- record and a record stored twice counts once.
-- `non_replicated_deduplication_window` makes a retried insert carrying the
-- same insert_deduplication_token a no-op.

CREATE TABLE IF NOT EXISTS posts
(
    event       LowCardinality(String),
    platform    LowCardinality(String),
    post_id     String,
    created_at  DateTime64(6, 'UTC'),
    account     Nullable(String),
    author      Nullable(String),
    text        Nullable(String),
    lang        Nullable(String),
    hashtags    Array(String),
    url         Nullable(String),
    media       Nullable(String),
    followers   Nullable(UInt64),
    version     UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (event, platform, post_id)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS metrics
(
    event        LowCardinality(String),
    platform     LowCardinality(String),
    post_id      String,
    observed_at  DateTime64(6, 'UTC'),
    impressions  Nullable(UInt64),
    reach        Nullable(UInt64),
    views        Nullable(UInt64),
    likes        Nullable(UInt64),
    comments     Nullable(UInt64),
    shares       Nullable(UInt64),
    clicks       Nullable(UInt64),
    saves        Nullable(UInt64),
    version      UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (event, platform, post_id, observed_at)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS interactions
(
    event           LowCardinality(String),
    platform        LowCardinality(String),
    interaction_id  String,
    post_id         String,
    kind            LowCardinality(String),
    occurred_at     DateTime64(6, 'UTC'),
    actor           Nullable(String),
    text            Nullable(String),
    version         UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (event, platform, interaction_id)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS mentions
(
    event          LowCardinality(String),
    url            String,
    original_url   String,
    platform       LowCardinality(String),
    published_at   DateTime64(6, 'UTC'),
    outlet         Nullable(String),
    country        Nullable(FixedString(2)),
    lang           Nullable(String),
    title          Nullable(String),
    audience       Nullable(UInt64),
    version        UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (event, url)
SETTINGS non_replicated_deduplication_window = 1000;

-- Dead letters: what was refused, why, and the original bytes.
CREATE TABLE IF NOT EXISTS rejected
(
    reject_id    UUID,
    received_at  DateTime64(3, 'UTC'),
    event        LowCardinality(String),
    source       String,
    line         UInt32,
    field        String,
    reason       String,
    raw          String
)
ENGINE = ReplacingMergeTree
ORDER BY reject_id
SETTINGS non_replicated_deduplication_window = 1000;
