"""Step one: a Kafka message becomes a row of its table (shared/records.py).

It re-validates every record: not every producer is our collector. A record that
fails becomes a dead letter, as does everything read from the rejected topic.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from kafka import TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from services.aggregator.step import Step
from shared import bus
from shared.events import Rejection, parse_record, reject_id
from shared.records import DeadLetter, Row, dead_letter_row, record_row
from shared.settings import Settings

LINE_NUMBER = re.compile(r"[0-9]{1,9}")
RECEIVED_NS = re.compile(rb"[0-9]{1,19}")


@dataclass(frozen=True)
class Decoded:
    """A message's row, and where it was read (for the batch's offsets)."""

    partition: TopicPartition
    offset: int
    table: str
    row: Row


def _text(headers: list[tuple[str, bytes]] | None, name: str) -> str:
    value = bus.header(headers, name)
    return value.decode("utf-8", "replace") if value is not None else ""


def _origin(message: ConsumerRecord) -> str:
    """Where a record without a reject id of its own came from: what its reject id is made of."""
    return f"kafka:{message.topic}:{message.partition}:{message.offset}"


class Decoder:
    """Kafka message -> (table, row)."""

    def __init__(self, settings: Settings):
        self.rejected_topic = settings.topic(bus.REJECTED)

    def __call__(self, message: ConsumerRecord) -> tuple[str, Row]:
        received_ns = self._received_ns(message)
        if message.topic == self.rejected_topic:
            return dead_letter_row(self._dead_letter(message, received_ns))
        arrival = datetime.fromtimestamp(received_ns / 1e9, tz=UTC)
        value = message.value or b""
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
    def _received_ns(message: ConsumerRecord) -> int:
        stamped = bus.header(message.headers, bus.RECEIVED_NS)
        if stamped is not None and RECEIVED_NS.fullmatch(stamped) and (ns := int(stamped)) < 2**63:
            return ns
        return max(message.timestamp, 0) * 1_000_000

    @staticmethod
    def _dead_letter(message: ConsumerRecord, received_ns: int) -> DeadLetter:
        headers = message.headers
        line = _text(headers, "sada-line")
        line_number = int(line) if LINE_NUMBER.fullmatch(line) else 0
        try:
            parsed_id = uuid.UUID(_text(headers, "sada-reject-id"))
        except ValueError:
            parsed_id = reject_id(_origin(message), line_number, message.value or b"")
        return DeadLetter(
            reject_id=parsed_id,
            received_at=datetime.fromtimestamp(received_ns / 1e9, tz=UTC),
            event=_text(headers, "sada-event"),
            source=_text(headers, "sada-source"),
            line=line_number,
            field=_text(headers, "sada-field"),
            reason=_text(headers, "sada-reason"),
            raw=message.value or b"",
        )


class Decode:
    """The step: decodes each message and submits its row to ``next_step``."""

    def __init__(self, next_step: Step[Decoded], settings: Settings):
        self.next_step = next_step
        self.decoder = Decoder(settings)

    def submit(self, message: ConsumerRecord) -> None:
        table, row = self.decoder(message)
        tp = TopicPartition(message.topic, message.partition)
        self.next_step.submit(Decoded(tp, message.offset, table, row))

    def poll(self) -> None:
        self.next_step.poll()

    def join(self, timeout_s: float) -> None:
        self.next_step.join(timeout_s)

    def close(self) -> None:
        self.next_step.close()
