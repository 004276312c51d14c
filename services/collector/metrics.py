"""The collector's Prometheus metrics and the registry behind its ``/metrics``."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# The registry behind the collector's /metrics, for the parts attached later (the pollers).
METRICS_REGISTRY = web.AppKey("metrics_registry", CollectorRegistry)


class CollectorMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.records = Counter(
            "sada_collector_records", "Records received, by outcome", ["outcome"], registry=self.registry
        )
        self.rejects = Counter(
            "sada_collector_rejects", "Rejected records, by field at fault", ["field"], registry=self.registry
        )
        self.requests = Counter(
            "sada_collector_requests", "Ingest requests, by status", ["status"], registry=self.registry
        )
        self.kafka_up = Gauge(
            "sada_collector_kafka_up", "1 while Kafka acknowledges records", registry=self.registry
        )
        self.publish_seconds = Histogram(
            "sada_collector_publish_seconds",
            "Time from request to Kafka's acknowledgement",
            registry=self.registry,
        )
