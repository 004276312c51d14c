"""The aggregator: one consumer group over the four record topics and the dead letters.

The loop (processor.py) feeds the chain of steps (chain.py): decode, batch by
size or age, write (retrying while ClickHouse fails, the partitions paused) and
only then commit. This module wires them, counts what they do, and serves
``/v1/status``, ``/healthz`` (the loop's liveness) and ``/readyz``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from aiohttp import web
from kafka import KafkaConsumer, TopicPartition
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from services.aggregator.batch import Batch
from services.aggregator.chain import build_chain
from services.aggregator.processor import StreamProcessor
from shared import bus
from shared.http import add_service_routes
from shared.settings import Settings
from shared.store import Store

log = logging.getLogger("sada.aggregator")

REVOKE_TIMEOUT_S = 10.0  # the longest a revocation waits for a failing store before letting go
STUCK_AFTER_S = 60.0  # a loop that has not turned for this long is reported unhealthy


class AggregatorMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.consumed = Counter(
            "sada_aggregator_records", "Records consumed, by topic", ["topic"], registry=self.registry
        )
        self.rows = Counter(
            "sada_aggregator_rows", "Rows stored, by table", ["table"], registry=self.registry
        )
        self.batch_seconds = Histogram(
            "sada_aggregator_batch_seconds", "Write + commit time of a batch", registry=self.registry
        )
        self.store_errors = Counter(
            "sada_aggregator_store_errors", "Failed inserts (each retried)", registry=self.registry
        )
        self.store_up = Gauge(
            "sada_aggregator_store_up", "1 while ClickHouse accepts inserts", registry=self.registry
        )
        self.lag = Gauge(
            "sada_aggregator_consumer_lag",
            "Records behind the partitions' high watermark",
            registry=self.registry,
        )


class Aggregator:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        group: str | None = None,
        revoke_timeout_s: float = REVOKE_TIMEOUT_S,
        stuck_after_s: float = STUCK_AFTER_S,
    ):
        self.settings = settings
        self.metrics = AggregatorMetrics()
        self.processor = StreamProcessor(
            bus.make_consumer(settings, group),
            bus.topic_names(settings),
            lambda: build_chain(self.consumer, store, settings, self),
            revoke_timeout_s,
            lambda topic, count: self.metrics.consumed.labels(topic).inc(count),
            lambda: bus.make_consumer(settings, group),
        )
        self.stop = self.processor.stop
        self.stuck_after_s = stuck_after_s
        self.store_ok = True
        self.last_error = ""
        self.stored_batches = 0
        # Told, with the broker generation the loop consumes, the offsets committed after each
        # stored batch (local mode's StoredGate).
        self.on_stored: Callable[[int, dict[TopicPartition, int]], None] = lambda generation, offsets: None
        self._thread: threading.Thread | None = None

    @property
    def consumer(self) -> KafkaConsumer:
        """The loop's consumer (a new one after a rejoin)."""
        return self.processor.consumer

    def store_status(self, ok: bool, message: str) -> None:
        self.store_ok, self.last_error = ok, message
        self.metrics.store_up.set(1 if ok else 0)
        if not ok:
            self.metrics.store_errors.inc()

    def committed(self, batch: Batch, ok: bool) -> None:
        for table, rows in batch.rows.items():
            self.metrics.rows.labels(table).inc(len(rows))
        if ok:
            self.stored_batches += 1
            offsets = {tp: meta.offset for tp, meta in batch.offsets().items()}
            self.on_stored(self.processor.generation, offsets)
        self.metrics.batch_seconds.observe(time.perf_counter() - batch.write_started)
        self._update_lag()

    def _update_lag(self) -> None:
        lag = 0
        for tp in self.consumer.assignment():
            high = self.consumer.highwater(tp)
            if high is not None:
                lag += max(0, high - self.consumer.position(tp))
        self.metrics.lag.set(lag)

    def run(self) -> None:
        self.processor.run()

    def start(self) -> Aggregator:
        self._thread = threading.Thread(target=self._run_logged, name="sada-aggregator", daemon=True)
        self._thread.start()
        return self

    def _run_logged(self) -> None:
        try:
            self.run()
        except Exception:
            log.exception("the aggregator stopped on an unexpected error")
            raise

    def broker_restarted(self, generation: int) -> None:
        """The broker restarted empty: drop what it gave and join the group again (local mode)."""
        self.processor.rejoin(generation)

    def close(self, timeout_s: float = 30.0) -> None:
        self.stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def liveness(self) -> str | None:
        """Why the consumer is not alive (None when it is): its thread died or its loop is stuck."""
        if self._thread is None:
            return "the consumer thread was not started"
        if not self._thread.is_alive():
            return "the consumer thread has stopped"
        return self.processor.liveness(self.stuck_after_s)

    def readiness(self) -> dict[str, bool]:
        return {"store": self.store_ok, "consumer": self._thread is not None and self._thread.is_alive()}


def create_app(aggregator: Aggregator) -> web.Application:
    app = web.Application()

    async def status(_: web.Request) -> web.Response:
        return web.json_response(
            {
                "store_ok": aggregator.store_ok,
                "last_error": aggregator.last_error,
                "stored_batches": aggregator.stored_batches,
            }
        )

    app.router.add_get("/v1/status", status)
    add_service_routes(
        app,
        "aggregator",
        aggregator.metrics.registry,
        aggregator.readiness,
        "services.aggregator",
        liveness=aggregator.liveness,
    )
    return app
