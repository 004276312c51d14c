"""The pollers' Prometheus metrics and where their records go (a :class:`Sink`)."""

from __future__ import annotations

import asyncio
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge

from services.collector.intake import Intake
from services.collector.publisher import Publisher


class PollerMetrics:
    """The pollers' Prometheus metrics (label ``connector``: x, youtube, …, press)."""

    def __init__(self, registry: CollectorRegistry | None = None):
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "sada_poller_requests",
            "Platform API requests, by connector and HTTP status",
            ["connector", "status"],
            registry=r,
        )
        self.records = Counter(
            "sada_poller_records",
            "Records published and acknowledged by Kafka, by type",
            ["connector", "type"],
            registry=r,
        )
        self.dead_letters = Counter(
            "sada_poller_dead_letters",
            "Platform items sent to the dead-letter topic",
            ["connector"],
            registry=r,
        )
        self.errors = Counter(
            "sada_poller_errors",
            "Failures (request, page, metric, feed), by stage",
            ["connector", "stage"],
            registry=r,
        )
        self.rate_limited = Counter(
            "sada_poller_rate_limited",
            "Rate-limit answers (429, quota, throttling codes)",
            ["connector"],
            registry=r,
        )
        self.remaining = Gauge(
            "sada_poller_rate_limit_remaining",
            "Calls left in the window as the platform reports it (Meta: 100 - usage %)",
            ["connector"],
            registry=r,
        )
        self.waiting = Gauge(
            "sada_poller_rate_limit_wait_seconds",
            "Seconds the poller is waiting for a rate limit (0 = not waiting)",
            ["connector", "event"],
            registry=r,
        )
        self.blocked = Gauge(
            "sada_poller_blocked", "1 while blocked until a quota resets", ["connector", "event"], registry=r
        )
        self.known = Gauge(
            "sada_poller_known_posts",
            "Posts whose figures the poller follows",
            ["connector", "event"],
            registry=r,
        )
        self.last_pass = Gauge(
            "sada_poller_last_pass_timestamp_seconds",
            "When the last pass ended",
            ["connector", "event"],
            registry=r,
        )


class Sink(Protocol):
    async def publish(self, intake: Intake, source: str) -> None: ...


class PublisherSink:
    """Straight to Kafka through the collector's :class:`Publisher` (waits for acks=all)."""

    def __init__(self, publisher: Publisher):
        self.publisher = publisher

    async def publish(self, intake: Intake, source: str) -> None:
        await asyncio.to_thread(self.publisher.publish, intake, source)
