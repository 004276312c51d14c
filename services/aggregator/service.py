"""The aggregator: one consumer group over the four record topics and the dead letters.

The loop (processor.py) feeds the chain of steps (chain.py): decode, batch by
size or age, write (retrying while ClickHouse fails, the partitions paused) and
only then commit. This module wires them, counts what they do, and serves
``/v1/status``, ``/healthz`` (the loop's liveness) and ``/readyz``.

In distributed mode the consumer starts once the schema is there (``shared/schema_gate.py``);
until then ``/healthz`` answers alive (a restart would not bring the schema) and ``/readyz``
not ready. After that, ``/healthz`` follows the consumer: its thread alive, its loop turning.
"""

from __future__ import annotations

import logging
import re
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
from shared.schema_gate import SchemaGate
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
        self.undecodable = Counter(
            "sada_aggregator_undecodable",
            "Messages whose decoding failed on an unexpected error, stored as dead letters, by topic",
            ["topic"],
            registry=self.registry,
        )
        self.restarts = Counter(
            "sada_aggregator_restarts",
            "Consumer threads started again after one died (local mode's supervisor)",
            registry=self.registry,
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
        self.store = store
        self.group = group
        self.revoke_timeout_s = revoke_timeout_s
        self.metrics = AggregatorMetrics()
        self.stop = threading.Event()
        self.processor = self._connect()
        self.stuck_after_s = stuck_after_s
        self.store_ok = True
        self.last_error = ""
        self.stored_batches = 0
        # Told, with the broker generation the loop consumes, the offsets committed after each
        # stored batch (local mode's StoredGate).
        self.on_stored: Callable[[int, dict[TopicPartition, int]], None] = lambda generation, offsets: None
        self._thread: threading.Thread | None = None

    def _connect(self, generation: int = 0) -> StreamProcessor:
        """A consumer in the group of the broker ``generation`` and the loop that feeds it to a
        chain built per assignment (on the loop's current consumer: a rejoin replaces it)."""
        return StreamProcessor(
            self._new_consumer,
            bus.topic_names(self.settings),
            lambda: build_chain(self.consumer, self.store, self.settings, self, self._on_loop_thread),
            self.revoke_timeout_s,
            lambda topic, count: self.metrics.consumed.labels(topic).inc(count),
            self.stop,
            generation,
        )

    def _new_consumer(self, generation: int) -> KafkaConsumer:
        return bus.make_consumer(self.settings, self.group_of(generation))

    def _on_loop_thread(self) -> bool:
        return self.processor.on_loop_thread()

    @property
    def consumer(self) -> KafkaConsumer:
        """The loop's consumer (a new one after a rejoin or a restart)."""
        return self.processor.consumer

    def store_status(self, ok: bool, message: str) -> None:
        self.store_ok, self.last_error = ok, message
        self.metrics.store_up.set(1 if ok else 0)
        if not ok:
            self.metrics.store_errors.inc()

    def undecodable(self, topic: str, error: str) -> None:
        self.metrics.undecodable.labels(topic).inc()

    def committed(self, batch: Batch, ok: bool) -> None:
        for table, rows in batch.rows.items():
            self.metrics.rows.labels(table).inc(len(rows))
        if ok:
            self.stored_batches += 1
            offsets = {tp: meta.offset for tp, meta in batch.offsets().items()}
            self.on_stored(self.processor.generation, offsets)
        self.metrics.batch_seconds.observe(time.perf_counter() - batch.write_started)
        if self._on_loop_thread():  # the lag asks the consumer, which only its loop's thread may do
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
        except Exception:  # the thread ends: /healthz answers 503, local mode starts it again
            log.exception("the aggregator's consumer thread stopped on an unexpected error")

    def died(self) -> bool:
        """The consumer thread ended without being asked to stop."""
        return self._thread is not None and not self._thread.is_alive() and not self.stop.is_set()

    def restart(self) -> None:
        """After the consumer thread died: a new consumer and loop on the same settings, store and
        metrics. It rejoins the group and reads again from the last committed offsets, so what the
        dead one had read and not committed is stored (once) now."""
        if self._thread is not None and self._thread.is_alive():
            raise RuntimeError("the aggregator's consumer thread is still running")
        # on the broker the dead loop consumed (local mode restarts it)
        self.processor = self._connect(self.processor.generation)
        self.metrics.restarts.inc()
        self.start()

    def broker_lost(self) -> None:
        """The broker died (local mode): let go of its consumer."""
        self.processor.broker_lost()

    def group_of(self, generation: int) -> str:
        """The consumer group on the broker of ``generation`` (local mode restarts its broker
        empty). A client of the dead broker may still join the new broker's group before it is
        closed, and Tansu then rebalances that group for ever: each generation has its own."""
        group = self.group or self.settings.consumer_group
        return group if generation == 0 else f"{group}.{generation}"

    @property
    def current_group(self) -> str:
        return self.group_of(self.processor.generation)

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


# An absolute file path (two segments or more), as ClickHouse names its files in an error.
FILE_PATH = re.compile(r"(?<![\w.:/])/(?:[^\s/'\",;:()]+/)+[^\s/'\",;:()]*")


def without_paths(message: str) -> str:
    """A store error as /v1/status shows it, unauthenticated: the data directory's layout is
    not for outsiders (the log keeps the whole message)."""
    return FILE_PATH.sub("<path>", message)


def create_app(aggregator: Aggregator, schema: SchemaGate | None = None) -> web.Application:
    """The aggregator's HTTP side; with ``schema`` (distributed mode) its probes say whether
    the schema is there, and the consumer is started by whoever waits on it."""
    app = web.Application()

    def liveness() -> str | None:
        return None if schema is not None and not schema.ready else aggregator.liveness()

    def readiness() -> dict[str, bool]:
        checks = aggregator.readiness()
        return checks if schema is None else {"schema": schema.ready, **checks}

    async def status(_: web.Request) -> web.Response:
        return web.json_response(
            {
                "store_ok": aggregator.store_ok,
                "last_error": without_paths(aggregator.last_error),
                "stored_batches": aggregator.stored_batches,
            }
        )

    app.router.add_get("/v1/status", status)
    add_service_routes(
        app,
        "aggregator",
        aggregator.metrics.registry,
        readiness,
        "services.aggregator",
        liveness=liveness,
    )
    return app
