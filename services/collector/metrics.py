"""The collector's Prometheus metrics, all in one place: the intake's, the webhooks' and the
imports' (:class:`CollectorMetrics`, behind the collector's ``/metrics``) and the pollers'
(:class:`PollerMetrics`, in the same registry when they run inside the collector)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# The registry behind the collector's /metrics, for the parts attached later (the pollers).
METRICS_REGISTRY = web.AppKey("metrics_registry", CollectorRegistry)

# Every metric of the collector and what it counts (its HELP line).
HELP = {
    "sada_collector_records": "Records received, by outcome",
    "sada_collector_rejects": "Rejected records, by field at fault",
    "sada_collector_requests": "Ingest requests, by status",
    "sada_collector_kafka_up": "1 while Kafka acknowledges records",
    "sada_collector_publish_seconds": "Time from request to Kafka's acknowledgement",
    "sada_collector_waiting_for_store": (
        "Local mode: requests Kafka acknowledged whose records are not stored yet (their 2xx waits)"
    ),
    "sada_collector_webhook_deliveries": "Webhook requests, by platform and status",
    "sada_collector_webhook_records": "Delivered items, by platform and outcome (accepted, dead_letter)",
    "sada_collector_import_rows": (
        "Rows of uploaded files, by format and outcome (imported, skipped, dead_letter)"
    ),
    "sada_poller_requests": "Platform API requests, by connector and HTTP status",
    "sada_poller_records": "Records published and acknowledged by Kafka, by type",
    "sada_poller_dead_letters": "Platform items sent to the dead-letter topic",
    "sada_poller_errors": "Failures (request, page, metric, feed), by stage",
    "sada_poller_rate_limited": "Rate-limit answers (429, quota, throttling codes)",
    "sada_poller_rate_limit_remaining": (
        "Calls left in the window as the platform reports it (Meta: 100 - usage %)"
    ),
    "sada_poller_rate_limit_wait_seconds": "Seconds the poller is waiting for a rate limit (0 = not waiting)",
    "sada_poller_blocked": "1 while blocked until a quota resets",
    "sada_poller_known_posts": "Posts whose figures the poller follows",
    "sada_poller_last_pass_timestamp_seconds": "When the last pass ended",
    "sada_poller_last_success_timestamp_seconds": (
        "When the last successful pass ended (0 = none yet); the stall alert's figure"
    ),
    "sada_poller_state": (
        "1 for the poller's state (running, idle, rate-limited, blocked, failed), 0 for the others"
    ),
    "sada_poller_records_last_hour": "Records the poller published and Kafka acknowledged in the last hour",
}


class Metrics:
    """Metrics declared on one registry by name and labels (their help is in :data:`HELP`)."""

    def __init__(self, registry: CollectorRegistry | None = None):
        self.registry = registry or CollectorRegistry()

    def counter(self, name: str, *labels: str) -> Counter:
        return Counter(name, HELP[name], list(labels), registry=self.registry)

    def gauge(self, name: str, *labels: str) -> Gauge:
        return Gauge(name, HELP[name], list(labels), registry=self.registry)

    def histogram(self, name: str) -> Histogram:
        return Histogram(name, HELP[name], registry=self.registry)


class CollectorMetrics(Metrics):
    """The HTTP intake's (``POST /v1/events``), the webhooks' and the imports'."""

    def __init__(self) -> None:
        super().__init__()
        self.records = self.counter("sada_collector_records", "outcome")
        self.rejects = self.counter("sada_collector_rejects", "field")
        self.requests = self.counter("sada_collector_requests", "status")
        self.kafka_up = self.gauge("sada_collector_kafka_up")
        self.publish_seconds = self.histogram("sada_collector_publish_seconds")
        self.waiting_for_store = self.gauge("sada_collector_waiting_for_store")
        self.deliveries = self.counter("sada_collector_webhook_deliveries", "platform", "status")
        self.delivered = self.counter("sada_collector_webhook_records", "platform", "outcome")
        self.import_rows = self.counter("sada_collector_import_rows", "format", "outcome")


class PollerMetrics(Metrics):
    """The pollers' (label ``connector``: x, youtube, …, press)."""

    def __init__(self, registry: CollectorRegistry | None = None):
        super().__init__(registry)
        self.requests = self.counter("sada_poller_requests", "connector", "status")
        self.records = self.counter("sada_poller_records", "connector", "type")
        self.dead_letters = self.counter("sada_poller_dead_letters", "connector")
        self.errors = self.counter("sada_poller_errors", "connector", "stage")
        self.rate_limited = self.counter("sada_poller_rate_limited", "connector")
        self.remaining = self.gauge("sada_poller_rate_limit_remaining", "connector")
        self.waiting = self.gauge("sada_poller_rate_limit_wait_seconds", "connector", "event")
        self.blocked = self.gauge("sada_poller_blocked", "connector", "event")
        self.known = self.gauge("sada_poller_known_posts", "connector", "event")
        self.last_pass = self.gauge("sada_poller_last_pass_timestamp_seconds", "connector", "event")
        self.last_success = self.gauge("sada_poller_last_success_timestamp_seconds", "connector", "event")
        self.state = self.gauge("sada_poller_state", "connector", "event", "state")
        self.records_last_hour = self.gauge("sada_poller_records_last_hour", "connector", "event")

    def watch(
        self,
        connector: str,
        event: str,
        state: Callable[[], str],
        records: Callable[[], int],
        states: Iterable[str],
    ) -> None:
        """Read a poller's state and rolling record count at each scrape (they move between passes)."""
        for name in states:
            self.state.labels(connector, event, name).set_function(partial(_is, state, name))
        self.records_last_hour.labels(connector, event).set_function(lambda: float(records()))


def _is(state: Callable[[], str], name: str) -> float:
    return float(state() == name)
