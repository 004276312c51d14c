"""Pipeline health: what was rejected and why, how fast rows reach the store, the collection
(a panel per platform connector, from the pollers' pass records), and the services' own
Prometheus metrics (records, consumer lag, batch time, rejects)."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as dashboard_builders

from services.collector.pollers import CONNECTOR_NAMES
from services.reporter.dashboards import sql as q
from services.reporter.dashboards.board import dashboard, laid_out
from services.reporter.dashboards.common import Panels
from services.reporter.labels import t

UID = "sada-health"
# Each raw table and the time a row arrived: the collector's receive time (``version``, in ns)
# for records, ``received_at`` for the dead letters.
ARRIVALS = """SELECT 'posts' AS table, fromUnixTimestamp64Nano(toInt64(version), 'UTC') AS arrived FROM posts
    UNION ALL SELECT 'metrics', fromUnixTimestamp64Nano(toInt64(version), 'UTC') FROM metrics
    UNION ALL SELECT 'interactions', fromUnixTimestamp64Nano(toInt64(version), 'UTC') FROM interactions
    UNION ALL SELECT 'mentions', fromUnixTimestamp64Nano(toInt64(version), 'UTC') FROM mentions
    UNION ALL SELECT 'rejected', toDateTime64(received_at, 9, 'UTC') FROM rejected"""

REJECTS_OVER_TIME = """SELECT $__timeInterval(received_at) AS time, reason, count() AS rejects
FROM rejected FINAL
WHERE $__timeFilter(received_at)
GROUP BY time, reason
ORDER BY time, reason"""

REJECT_REASONS = """SELECT reason, field, count() AS rejects, max(received_at) AS last_seen
FROM rejected FINAL
WHERE $__timeFilter(received_at)
GROUP BY reason, field
ORDER BY rejects DESC, reason, field
LIMIT 200"""

INGEST_RATE = f"""SELECT $__timeInterval(arrived) AS time, table, count() / $__interval_s AS rows_per_second
FROM ({ARRIVALS})
WHERE $__timeFilter(arrived)
GROUP BY time, table
ORDER BY time, table"""

ROW_COUNTS = f"""SELECT table, count() AS rows
FROM ({ARRIVALS})
GROUP BY table
ORDER BY table"""

# PromQL over the services' /metrics (names as prometheus_client exposes them).
COLLECTOR_RECORDS = "sum by (outcome) (rate(sada_collector_records_total[$__rate_interval]))"
CONSUMER_LAG = "max(sada_aggregator_consumer_lag)"
BATCH_P50 = (
    "histogram_quantile(0.5, sum by (le) (rate(sada_aggregator_batch_seconds_bucket[$__rate_interval])))"
)
BATCH_P95 = (
    "histogram_quantile(0.95, sum by (le) (rate(sada_aggregator_batch_seconds_bucket[$__rate_interval])))"
)
COLLECTOR_REJECTS = "sum by (field) (rate(sada_collector_rejects_total[$__rate_interval]))"

POLLER_STATES = ("running", "idle", "rate-limited", "blocked", "failed", "none")
POLLER_COLUMNS = ["event", "state", "detail", "last_success", "last_pass", "records_last_hour"]
# The connectors' panels: three to a band of the 24-column grid.
POLLER_WIDTH, POLLER_HEIGHT = 8, 6
# A connector's name as the panels show it (the platform's, the press under "web").
CONNECTOR_LABELS = {"press": "platform.web"}


def poller_health(connector: str, lang: str) -> str:
    """``poller_health.sql`` for one connector as of the end of the time range, its state in
    ``lang``."""
    health = q.reporter("poller_health", connector=connector, at=q.Raw("$__toTime"))
    states = {state: t(f"poller_state.{state}", lang) for state in POLLER_STATES}
    return f"""SELECT event, {q.choice("state", states)} AS state, detail, last_success, last_pass,
       records_last_hour
FROM ({health})"""


def poller_panels(panels: Panels, lang: str, stalled_after: int) -> list:
    described = t("desc.pollers", lang, after=stalled_after)
    return [
        panels.row(t("health.collection", lang)),
        *(
            panels.table(
                t("health.poller", lang, connector=t(CONNECTOR_LABELS.get(name, f"platform.{name}"), lang)),
                poller_health(name, lang),
                described,
                POLLER_COLUMNS,
                width=POLLER_WIDTH,
                height=POLLER_HEIGHT,
            )
            for name in CONNECTOR_NAMES
        ),
    ]


def build(lang: str, stalled_after: int = 3, timezone: str = "utc") -> dashboard_builders.Dashboard:
    """``stalled_after``: the stall alert's intervals (``SADA_POLL_STALLED_AFTER``), named in the
    connectors' panel descriptions; ``timezone``: the zone of the event the other dashboards
    open on (the team reads one clock)."""
    panels = Panels(lang)
    board = dashboard(
        UID, t("dash.health", lang), lang, refresh="30s", time_from="now-6h", timezone=timezone
    ).variables([])
    rejects, ingest, scraped = t("desc.rejects", lang), t("desc.ingest", lang), t("desc.prometheus", lang)
    return laid_out(
        board,
        [
            panels.row(t("health.store", lang)),
            panels.timeseries(
                t("health.rejects_over_time", lang),
                REJECTS_OVER_TIME,
                rejects,
                series_name="reason",
                stack=True,
            ),
            panels.table(
                t("health.rejects_table", lang),
                REJECT_REASONS,
                rejects,
                ["reason", "field", "rejects", "last_seen"],
            ),
            panels.timeseries(
                t("health.ingest_rate", lang),
                INGEST_RATE,
                ingest,
                unit="rowsps",
                width=16,
                series_name="table",
                min_interval="10s",
            ),
            panels.bargauge(
                t("health.row_counts", lang), ROW_COUNTS, ingest, value="rows", width=8, height=8
            ),
            *poller_panels(panels, lang, stalled_after),
            panels.row(t("health.services", lang)),
            panels.prometheus(
                t("health.collector_records", lang), [(COLLECTOR_RECORDS, "{{outcome}}")], scraped, unit="rps"
            ),
            panels.prometheus(t("health.consumer_lag", lang), [(CONSUMER_LAG, "lag")], scraped),
            panels.prometheus(
                t("health.batch_seconds", lang), [(BATCH_P50, "p50"), (BATCH_P95, "p95")], scraped, unit="s"
            ),
            panels.prometheus(
                t("health.collector_rejects", lang), [(COLLECTOR_REJECTS, "{{field}}")], scraped, unit="rps"
            ),
        ],
    )
