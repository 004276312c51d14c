"""Sends validated records and dead letters to Kafka and waits for the broker's acks.

The collector answers 2xx only after :meth:`Publisher.publish` returns, i.e.
after Kafka acknowledged every record (acks=all). A failure drops the producer,
so the next request starts from a fresh connection. In local mode, whose broker
keeps nothing across a crash, a :class:`StoredGate` makes ``publish`` also wait
until the aggregator has stored the records in ClickHouse.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from kafka import KafkaProducer, TopicPartition
from kafka.errors import KafkaError

from services.collector.intake import Intake
from shared import bus
from shared.events import reject_id
from shared.kafka_probe import refusal
from shared.passes import PollerPass
from shared.settings import Settings

log = logging.getLogger("sada.collector")
# A publish waits in a thread until Kafka acknowledges its records, and in local mode until they
# are stored (StoredGate): room for every request in flight (asyncio's default executor, cores + 4
# threads, made POSTs queue behind each other's waits at 10 bodies a second).
WAITING_THREADS = 64


class KafkaUnavailable(RuntimeError):
    """Kafka did not acknowledge the records; the client should retry later."""


def version_header(received_ns: int, index: int) -> tuple[str, bytes]:
    """The record's version: arrival time in ns, plus its index so that two
    versions of one record in the same body keep their order."""
    return bus.RECEIVED_NS, str(received_ns + index).encode()


class StoredGate:
    """Local mode's acknowledgement: records count as safe once the aggregator has stored them.

    The broker's *generation* goes up each time the supervisor finds it dead (before it starts
    the next one). The aggregator reports, with the generation it consumes, the offsets it
    committed after ClickHouse acknowledged the rows. A publish waits until those pass the
    offsets Kafka acknowledged to it, in the generation it started in; if the generation changes
    meanwhile (the acks may have come from a broker that is gone) or the wait exceeds
    ``timeout_s``, the records are not known to be stored and the client must send them again.
    """

    def __init__(self, timeout_s: float):
        self.timeout_s = timeout_s
        self.generation = 0
        self._stored_generation = 0
        self._stored: dict[TopicPartition, int] = {}
        self._changed = threading.Condition()
        self.waiting = 0  # publishes in wait() now (the collector's sada_collector_waiting_for_store)

    def broker_lost(self) -> int:
        """The broker died: what it acknowledged and was not stored yet is lost. The new generation."""
        with self._changed:
            self.generation += 1
            self._changed.notify_all()
            return self.generation

    def snapshot(self) -> tuple[int, int, dict[TopicPartition, int]]:
        """The generation, the generation stored offsets belong to, and those offsets: what a
        mirror in the collector's process needs (:meth:`follow`)."""
        with self._changed:
            return self.generation, self._stored_generation, dict(self._stored)

    def follow(self, generation: int, stored_generation: int, stored: dict[TopicPartition, int]) -> bool:
        """Take the state of the gate this one mirrors (local mode's collector process follows
        the aggregator's process). True when the broker's generation changed."""
        with self._changed:
            changed = generation != self.generation
            self.generation, self._stored_generation = generation, stored_generation
            self._stored = dict(stored)
            self._changed.notify_all()
            return changed

    def stored(self, generation: int, offsets: dict[TopicPartition, int]) -> None:
        """The aggregator, consuming ``generation``, stored everything before ``offsets``."""
        with self._changed:
            if generation != self._stored_generation:
                self._stored_generation, self._stored = generation, {}
            for tp, offset in offsets.items():
                self._stored[tp] = max(self._stored.get(tp, 0), offset)
            self._changed.notify_all()

    def wait(self, generation: int, marks: dict[TopicPartition, int]) -> None:
        """Return once the records before ``marks`` (acknowledged in ``generation``) are stored."""
        deadline = time.monotonic() + self.timeout_s
        with self._changed:
            self.waiting += 1
            try:
                self._wait(generation, marks, deadline)
            finally:
                self.waiting -= 1

    def _wait(self, generation: int, marks: dict[TopicPartition, int], deadline: float) -> None:
        """:meth:`wait`'s loop, holding the condition's lock (released while waiting)."""
        while True:
            if self.generation != generation:
                raise KafkaUnavailable("the broker restarted before these records were stored")
            if self._stored_generation == generation and all(
                self._stored.get(tp, 0) >= mark for tp, mark in marks.items()
            ):
                return
            left = deadline - time.monotonic()
            if left <= 0:
                raise KafkaUnavailable(f"the records were not stored within {self.timeout_s:g} s")
            self._changed.wait(left)


class Publisher:
    def __init__(self, settings: Settings, gate: StoredGate | None = None):
        self.settings = settings
        self.gate = gate
        self._producer: KafkaProducer | None = None
        self._lock = threading.Lock()
        self._marks: dict[TopicPartition, int] = {}
        self.available = False
        # Why the broker refuses this collector (TLS, SASL), while it does: /healthz reports it,
        # since retrying cannot help until a setting or the KafkaUser changes.
        self.refused: str | None = None
        # The local broker restarted and its topics are not re-created yet: a record sent now
        # would make the broker create its topic with its own partition count, not sada's.
        self._restarting = False
        self._waiting = ThreadPoolExecutor(WAITING_THREADS, thread_name_prefix="sada-publish")

    async def publish_waiting(self, intake: Intake, source: str) -> None:
        """:meth:`publish` from the event loop, on a thread of the publisher's own."""
        await asyncio.get_running_loop().run_in_executor(self._waiting, self.publish, intake, source)

    def _get_producer(self) -> KafkaProducer:
        with self._lock:
            if self._restarting:
                raise KafkaUnavailable("the local Kafka broker is restarting; its topics are not back yet")
            if self._producer is None:
                try:
                    self._producer = bus.make_producer(self.settings)
                except bus.KafkaRefused as exc:
                    if self.refused != str(exc):
                        log.error("%s", exc)
                    self.available, self.refused = False, str(exc)
                    raise KafkaUnavailable(str(exc)) from exc
                except KafkaError as exc:
                    self.available = False
                    raise KafkaUnavailable(
                        f"cannot reach Kafka at {self.settings.kafka_bootstrap}: {exc}"
                    ) from exc
                self.refused = None
            return self._producer

    def _drop_producer(self) -> None:
        """Forget the producer; it is closed in the background, once its pending records have
        failed or been sent (closing it here would block, or raise while records are pending)."""
        with self._lock:
            producer, self._producer = self._producer, None
        self.available = False
        if producer is not None:
            timeout = self.settings.kafka_delivery_timeout_ms / 1000 + 1
            threading.Thread(
                target=_close, args=(producer, timeout), name="sada-producer-close", daemon=True
            ).start()

    def publish(self, intake: Intake, source: str) -> None:
        """Produce every accepted record to its topic, stamped with ``source``, and every rejection
        to the dead-letter topic, which names the same source; with a gate, also wait until the
        aggregator has stored them. Raises :class:`KafkaUnavailable` when the records are not
        known to be safe."""
        intake.stamp(source)
        generation = self.gate.generation if self.gate else 0
        producer = self._get_producer()
        futures = []
        try:
            for index, (_, record) in enumerate(intake.accepted):
                topic = self.settings.topic(bus.RECORD_TOPICS[record.type])
                futures.append(
                    producer.send(
                        topic,
                        key=record.key,
                        value=intake.wire(record),
                        headers=[version_header(intake.received_ns, index)],
                    )
                )
            for line, rejection in intake.rejected:
                headers = [
                    version_header(intake.received_ns, 0),
                    ("sada-reject-id", str(reject_id(source, line.number, line.raw)).encode()),
                    ("sada-reason", rejection.reason.encode()),
                    ("sada-field", rejection.field.encode()),
                    ("sada-line", str(line.number).encode()),
                    ("sada-source", source.encode()),
                    ("sada-event", rejection.event.encode()),
                ]
                futures.append(
                    producer.send(self.settings.topic(bus.REJECTED), value=line.raw, headers=headers)
                )
        except KafkaError as exc:
            self._drop_producer()
            raise KafkaUnavailable(f"Kafka did not acknowledge the records: {exc}") from exc
        self._settle(generation, futures)

    def publish_passes(self, passes: list[PollerPass], received_ns: int) -> None:
        """Produce pollers' pass records (collection health) to the pollers topic, wait as
        :meth:`publish` does. Raises :class:`KafkaUnavailable` when they are not known to be safe."""
        generation = self.gate.generation if self.gate else 0
        producer = self._get_producer()
        try:
            futures = [
                producer.send(
                    self.settings.topic(bus.POLLERS),
                    key=passed.key,
                    value=passed.to_json(),
                    headers=[version_header(received_ns, index)],
                )
                for index, passed in enumerate(passes)
            ]
        except KafkaError as exc:
            self._drop_producer()
            raise KafkaUnavailable(f"Kafka did not acknowledge the pass records: {exc}") from exc
        self._settle(generation, futures)

    def _settle(self, generation: int, futures: list) -> None:
        """Wait for Kafka's acks of ``futures``, note the offsets, and (local mode) the store."""
        try:
            timeout = self.settings.kafka_delivery_timeout_ms / 1000 + 1
            acked = [future.get(timeout=timeout) for future in futures]
        except KafkaError as exc:
            self._drop_producer()
            raise KafkaUnavailable(f"Kafka did not acknowledge the records: {exc}") from exc
        self.available = True
        marks: dict[TopicPartition, int] = {}
        for meta in acked:
            tp = TopicPartition(meta.topic, meta.partition)
            marks[tp] = max(marks.get(tp, 0), meta.offset + 1)
        with self._lock:
            for tp, mark in marks.items():
                self._marks[tp] = max(self._marks.get(tp, 0), mark)
        if self.gate is not None:
            self.gate.wait(generation, marks)

    def broker_restarted(self) -> None:
        """The (local) broker restarted empty: its offsets start again, forget the marks, and
        send nothing until :meth:`topics_ready` (the supervisor re-creates the topics first)."""
        with self._lock:
            self._marks.clear()
            self._restarting = True
        self._drop_producer()

    def topics_ready(self) -> None:
        """The restarted broker has sada's topics again: records may go."""
        with self._lock:
            self._restarting = False

    def produced(self) -> bus.Offsets:
        """The offset after the last record acknowledged on each partition."""
        with self._lock:
            return bus.Offsets(dict(self._marks))

    def check(self) -> bool:
        """Readiness: does a bootstrap broker accept connections right now (and, after a refusal,
        sada's TLS and SASL settings too)?"""
        if self.refused is not None:
            self.refused = refusal(self.settings)
        self.available = self.refused is None and bus.reachable(self.settings.kafka_bootstrap)
        return self.available

    def liveness(self) -> str | None:
        """/healthz: the broker's refusal, if it refuses this collector."""
        return self.refused

    def close(self) -> None:
        self._waiting.shutdown(wait=False)
        self._drop_producer()


def _close(producer: KafkaProducer, timeout_s: float) -> None:
    try:
        producer.close(timeout=timeout_s)
    except KafkaError as exc:  # records still pending after their delivery timeout
        log.warning("a dropped Kafka producer did not close cleanly: %s", exc)
