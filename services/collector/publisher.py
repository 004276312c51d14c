"""Sends validated records and dead letters to Kafka and waits for the broker's acks.

The collector answers 2xx only after :meth:`Publisher.publish` returns, i.e.
after Kafka acknowledged every record (acks=all). A failure drops the producer,
so the next request starts from a fresh connection.
"""

from __future__ import annotations

import logging
import threading

from kafka import KafkaProducer, TopicPartition
from kafka.errors import KafkaError

from services.collector.intake import Intake
from shared import bus
from shared.events import reject_id
from shared.settings import Settings

log = logging.getLogger("sada.collector")


class KafkaUnavailable(RuntimeError):
    """Kafka did not acknowledge the records; the client should retry later."""


def version_header(received_ns: int, index: int) -> tuple[str, bytes]:
    """The record's version: arrival time in ns, plus its index so that two
    versions of one record in the same body keep their order."""
    return bus.RECEIVED_NS, str(received_ns + index).encode()


class Publisher:
    def __init__(self, settings: Settings):
        self.settings = settings
        self._producer: KafkaProducer | None = None
        self._lock = threading.Lock()
        self._marks: dict[TopicPartition, int] = {}
        self.available = False

    def _get_producer(self) -> KafkaProducer:
        with self._lock:
            if self._producer is None:
                try:
                    self._producer = bus.make_producer(self.settings)
                except KafkaError as exc:
                    self.available = False
                    raise KafkaUnavailable(
                        f"cannot reach Kafka at {self.settings.kafka_bootstrap}: {exc}"
                    ) from exc
            return self._producer

    def _drop_producer(self) -> None:
        with self._lock:
            producer, self._producer = self._producer, None
        self.available = False
        if producer is not None:
            producer.close(timeout=0)

    def publish(self, intake: Intake, source: str) -> None:
        """Produce every accepted record to its topic and every rejection to the dead-letter topic."""
        producer = self._get_producer()
        futures = []
        try:
            for index, (_, record) in enumerate(intake.accepted):
                topic = self.settings.topic(bus.RECORD_TOPICS[record.type])
                futures.append(
                    producer.send(
                        topic,
                        key=record.key,
                        value=record.to_json(),
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
            timeout = self.settings.kafka_delivery_timeout_ms / 1000 + 1
            acked = [future.get(timeout=timeout) for future in futures]
        except KafkaError as exc:
            self._drop_producer()
            raise KafkaUnavailable(f"Kafka did not acknowledge the records: {exc}") from exc
        self.available = True
        with self._lock:
            for meta in acked:
                tp = TopicPartition(meta.topic, meta.partition)
                self._marks[tp] = max(self._marks.get(tp, 0), meta.offset + 1)

    def produced(self) -> bus.Offsets:
        """The offset after the last record acknowledged on each partition."""
        with self._lock:
            return bus.Offsets(dict(self._marks))

    def check(self) -> bool:
        """Readiness: does a bootstrap broker accept connections right now?"""
        self.available = bus.reachable(self.settings.kafka_bootstrap)
        return self.available

    def close(self) -> None:
        self._drop_producer()
