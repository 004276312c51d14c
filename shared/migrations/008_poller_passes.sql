-- Collection health (issue 11, item 9): one row per pass of a poller (a connector for an event),
-- published by the collector on the `pollers` topic at the end of each pass (shared/passes.py)
-- and stored by the aggregator like any record. The Pipeline health dashboard shows each
-- connector's latest pass, last successful pass and records in the last hour from it; the
-- "collection stalled" alert reads `last_success`. Keyed by the pass (poller and end time), so
-- a message read twice counts once; kept 90 days (a pass a minute per poller is small).

CREATE TABLE IF NOT EXISTS poller_passes
(
    event         LowCardinality(String),
    connector     LowCardinality(String),
    platform      LowCardinality(String),
    started_at    DateTime64(3, 'UTC'),
    ended_at      DateTime64(3, 'UTC'),
    ok            UInt8,
    state         LowCardinality(String),
    until         Nullable(DateTime64(3, 'UTC')),
    why           String,
    remedy        String,
    paused        Array(String),
    records       UInt32,
    errors        UInt32,
    last_success  Nullable(DateTime64(3, 'UTC')),
    interval_s    Float64,
    version       UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (event, connector, ended_at)
TTL toDateTime(ended_at) + INTERVAL 90 DAY
SETTINGS non_replicated_deduplication_window = 1000;
