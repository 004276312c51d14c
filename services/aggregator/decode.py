"""Step one: a Kafka message becomes a row of its table (shared/records.py).

It re-validates every record: not every producer is our collector. A record that
fails becomes a dead letter, as does everything read from the rejected topic. A
message of the pollers topic is a poller's pass (shared/passes.py), checked the same
way and stored in ``poller_passes``.
Whatever goes wrong while one message is decoded, that message becomes a dead
letter naming the error ("could not be decoded: …"), logged and counted, and the
consumer goes on: one poison message never stops the aggregator.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from kafka import TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from services.aggregator.step import Step
from shared import bus
from shared.events import Rejection, parse_record, reject_id
from shared.passes import PassRefused, parse_pass
from shared.records import DeadLetter, Row, dead_letter_row, pass_row, record_row
from shared.settings import Settings

log = logging.getLogger("sada.aggregator")

LINE_NUMBER = re.compile(r"[0-9]{1,9}")
RECEIVED_NS = re.compile(rb"[0-9]{1,19}")
LATEST_NS = 2**63 - 1  # the latest arrival time a message may claim (year 2262)

Undecodable = Callable[[str, str], None]  # (topic, error) for each message that became a dead letter


@dataclass(frozen=True)
class Decoded:
    """A message's row, where it was read (for the batch's offsets), and its Kafka timestamp (ms,
    the producer's clock; 0 when it has none) for the batch's age."""

    partition: TopicPartition
    offset: int
    table: str
    row: Row
    timestamp_ms: int


def _text(headers: list[tuple[str, bytes]] | None, name: str) -> str:
    value = bus.header(headers, name)
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else ""


def _origin(message: ConsumerRecord) -> str:
    """Where a record without a reject id of its own came from: what its reject id is made of."""
    return f"kafka:{message.topic}:{message.partition}:{message.offset}"


def _raw(message: ConsumerRecord) -> bytes:
    return message.value if isinstance(message.value, bytes) else b""


class Decoder:
    """Kafka message -> (table, row); never raises."""

    def __init__(self, settings: Settings, on_undecodable: Undecodable = lambda topic, error: None):
        self.rejected_topic = settings.topic(bus.REJECTED)
        self.pollers_topic = settings.topic(bus.POLLERS)
        self.on_undecodable = on_undecodable

    def __call__(self, message: ConsumerRecord) -> tuple[str, Row]:
        try:
            return self._decode(message)
        except Exception as exc:  # any failure on one message: a dead letter with its reason
            error = f"{type(exc).__name__}: {exc}"[:1000]
            log.warning(
                "message %s:%s:%s could not be decoded (%s); stored as a dead letter",
                message.topic,
                message.partition,
                message.offset,
                error,
                exc_info=True,
            )
            self.on_undecodable(str(message.topic), error)
            return dead_letter_row(self._undecodable(message, error))

    def _decode(self, message: ConsumerRecord) -> tuple[str, Row]:
        received_ns = self._received_ns(message)
        if message.topic == self.rejected_topic:
            return dead_letter_row(self._dead_letter(message, received_ns))
        arrival = datetime.fromtimestamp(received_ns / 1e9, tz=UTC)
        value = _raw(message)
        if message.topic == self.pollers_topic:
            return self._pass(message, value, arrival, received_ns)
        outcome = parse_record(value, arrival)
        if isinstance(outcome, Rejection):
            return dead_letter_row(
                DeadLetter(
                    reject_id=reject_id(_origin(message), 0, value),
                    received_at=arrival,
                    event=outcome.event,
                    source=f"kafka:{message.topic}",
                    line=0,
                    field=outcome.field,
                    reason=outcome.reason,
                    raw=value,
                )
            )
        return record_row(outcome, received_ns)

    @staticmethod
    def _pass(message: ConsumerRecord, value: bytes, arrival: datetime, received_ns: int) -> tuple[str, Row]:
        try:
            return pass_row(parse_pass(value), received_ns)
        except PassRefused as refused:
            return dead_letter_row(
                DeadLetter(
                    reject_id=reject_id(_origin(message), 0, value),
                    received_at=arrival,
                    event=refused.event,
                    source=f"kafka:{message.topic}",
                    line=0,
                    field=refused.field,
                    reason=refused.reason,
                    raw=value,
                )
            )

    @staticmethod
    def _received_ns(message: ConsumerRecord) -> int:
        stamped = bus.header(message.headers, bus.RECEIVED_NS)
        if isinstance(stamped, bytes) and RECEIVED_NS.fullmatch(stamped):
            return min(int(stamped), LATEST_NS)
        timestamp = message.timestamp if isinstance(message.timestamp, int) else 0
        return min(max(timestamp, 0) * 1_000_000, LATEST_NS)

    def _undecodable(self, message: ConsumerRecord, error: str) -> DeadLetter:
        """The dead letter of a message whose decoding failed, made of what is sure to be there."""
        raw = _raw(message)
        return DeadLetter(
            reject_id=reject_id(_origin(message), 0, raw),
            received_at=datetime.now(UTC),
            event="",
            source=f"kafka:{message.topic}",
            line=0,
            field="",
            reason=f"could not be decoded: {error}",
            raw=raw,
        )

    @staticmethod
    def _dead_letter(message: ConsumerRecord, received_ns: int) -> DeadLetter:
        headers = message.headers
        line = _text(headers, "sada-line")
        line_number = int(line) if LINE_NUMBER.fullmatch(line) else 0
        try:
            parsed_id = uuid.UUID(_text(headers, "sada-reject-id"))
        except ValueError:
            parsed_id = reject_id(_origin(message), line_number, _raw(message))
        return DeadLetter(
            reject_id=parsed_id,
            received_at=datetime.fromtimestamp(received_ns / 1e9, tz=UTC),
            event=_text(headers, "sada-event"),
            source=_text(headers, "sada-source"),
            line=line_number,
            field=_text(headers, "sada-field"),
            reason=_text(headers, "sada-reason"),
            raw=_raw(message),
        )


def _timestamp_ms(message: ConsumerRecord) -> int:
    """The message's timestamp, or 0 for none (Kafka's -1)."""
    stamp = message.timestamp
    return stamp if isinstance(stamp, int) and stamp > 0 else 0


class Decode:
    """The step: decodes each message and submits its row to ``next_step``."""

    def __init__(
        self,
        next_step: Step[Decoded],
        settings: Settings,
        on_undecodable: Undecodable = lambda topic, error: None,
    ):
        self.next_step = next_step
        self.decoder = Decoder(settings, on_undecodable)

    def submit(self, message: ConsumerRecord) -> None:
        table, row = self.decoder(message)
        tp = TopicPartition(message.topic, message.partition)
        self.next_step.submit(Decoded(tp, message.offset, table, row, _timestamp_ms(message)))

    def poll(self) -> None:
        self.next_step.poll()

    def join(self, timeout_s: float) -> None:
        self.next_step.join(timeout_s)

    def close(self) -> None:
        self.next_step.close()
