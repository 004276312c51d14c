"""The aggregator: one consumer group over the four record topics and the dead letters.

It polls, closes micro-batches by size or age, writes them (retrying while
ClickHouse fails) and only then commits. Before partitions move to another
consumer the rebalance listener flushes what it holds.
"""

from __future__ import annotations

import logging
import threading
import time

from aiohttp import web
from kafka import ConsumerRebalanceListener
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from services.aggregator.steps import Batch, Committer, Decoder, Writer
from shared import bus
from shared.http import add_service_routes
from shared.settings import Settings
from shared.store import Store

log = logging.getLogger("sada.aggregator")


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
    def __init__(self, settings: Settings, store: Store, group: str | None = None):
        self.settings = settings
        self.metrics = AggregatorMetrics()
        self.consumer = bus.make_consumer(settings, group)
        self.decode = Decoder(settings)
        self.writer = Writer(store, settings, self._store_status)
        self.committer = Committer(self.consumer)
        self.batch = Batch()
        self.stop = threading.Event()
        self.store_ok = True
        self.last_error = ""
        self.stored_batches = 0
        self._thread: threading.Thread | None = None

    def _store_status(self, ok: bool, message: str) -> None:
        self.store_ok, self.last_error = ok, message
        self.metrics.store_up.set(1 if ok else 0)
        if not ok:
            self.metrics.store_errors.inc()

    def flush(self) -> None:
        """Write the open batch and commit its offsets; on stop, leave it uncommitted."""
        if not self.batch.size:
            return
        batch, self.batch = self.batch, Batch()
        started = time.perf_counter()
        if not self.writer.write(batch, self.stop):
            return
        log.info(
            "stored batch of %d records (%s)",
            batch.size,
            ", ".join(f"{t}={len(r)}" for t, r in sorted(batch.rows.items())),
        )
        for table, rows in batch.rows.items():
            self.metrics.rows.labels(table).inc(len(rows))
        if self.committer.commit(batch):
            self.stored_batches += 1
        self.metrics.batch_seconds.observe(time.perf_counter() - started)

    def run(self) -> None:
        """Consume until :attr:`stop` is set; then flush and leave the group."""
        aggregator = self

        class FlushBeforeRevoke(ConsumerRebalanceListener):
            def on_partitions_revoked(self, revoked):
                aggregator.flush()

            def on_partitions_assigned(self, assigned):
                log.info("assigned %d partitions", len(assigned))

        self.consumer.subscribe(bus.topic_names(self.settings), listener=FlushBeforeRevoke())
        max_age = self.settings.batch_max_age_ms
        try:
            while not self.stop.is_set():
                wait = max(1, int(max_age - self.batch.age_ms())) if self.batch.size else 100
                room = max(1, self.settings.batch_max_records - self.batch.size)
                polled = self.consumer.poll(timeout_ms=wait, max_records=room)
                for tp, messages in polled.items():
                    self.metrics.consumed.labels(tp.topic).inc(len(messages))
                    for message in messages:
                        table, row = self.decode(message)
                        self.batch.add(tp, message.offset, table, row)
                if self.batch.size >= self.settings.batch_max_records or self.batch.age_ms() >= max_age:
                    self.flush()
                    self._update_lag()
            self.flush()
        finally:
            self.consumer.close(autocommit=False)

    def _update_lag(self) -> None:
        lag = 0
        for tp in self.consumer.assignment():
            high = self.consumer.highwater(tp)
            if high is not None:
                lag += max(0, high - self.consumer.position(tp))
        self.metrics.lag.set(lag)

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

    def close(self, timeout_s: float = 30.0) -> None:
        self.stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

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
        app, "aggregator", aggregator.metrics.registry, aggregator.readiness, "services.aggregator"
    )
    return app
