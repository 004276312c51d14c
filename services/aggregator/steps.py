"""The aggregator's steps, each with one job: decode, batch, write, commit.

Offsets are committed by the last step only, after ClickHouse acknowledged
every row before them; a batch that is written twice (a crash between write
and commit) is harmless because each table keeps one version per identity.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata

from shared import bus
from shared.events import (
    COUNTERS,
    Interaction,
    Mention,
    Metrics,
    Post,
    Record,
    Rejection,
    parse_record,
    reject_id,
)
from shared.hashtags import hashtag_key, hashtags_in
from shared.settings import Settings
from shared.store import Store, StoreUnavailable

log = logging.getLogger("sada.aggregator")

LINE_NUMBER = re.compile(r"[0-9]{1,9}")
RECEIVED_NS = re.compile(rb"[0-9]{1,19}")


def _text(headers: list[tuple[str, bytes]] | None, name: str) -> str:
    value = bus.header(headers, name)
    return value.decode("utf-8", "replace") if value is not None else ""


class Decoder:
    """Kafka message -> (table, row). Re-validates: not every producer is our collector."""

    def __init__(self, settings: Settings):
        self.rejected_topic = settings.topic(bus.REJECTED)

    def __call__(self, message: ConsumerRecord) -> tuple[str, list[Any]]:
        received_ns = self._received_ns(message)
        if message.topic == self.rejected_topic:
            return "rejected", self._dead_letter(message, received_ns)
        arrival = datetime.fromtimestamp(received_ns / 1e9, tz=UTC)
        value = message.value or b""
        outcome = parse_record(value, arrival)
        if isinstance(outcome, Rejection):
            return "rejected", [
                reject_id(_origin(message), 0, value),
                arrival,
                outcome.event,
                f"kafka:{message.topic}",
                0,
                outcome.field,
                outcome.reason,
                value,
            ]
        return record_row(outcome, received_ns)

    @staticmethod
    def _received_ns(message: ConsumerRecord) -> int:
        stamped = bus.header(message.headers, bus.RECEIVED_NS)
        if stamped is not None and RECEIVED_NS.fullmatch(stamped) and (ns := int(stamped)) < 2**63:
            return ns
        return max(message.timestamp, 0) * 1_000_000

    @staticmethod
    def _dead_letter(message: ConsumerRecord, received_ns: int) -> list[Any]:
        headers = message.headers
        line = _text(headers, "sada-line")
        line_number = int(line) if LINE_NUMBER.fullmatch(line) else 0
        try:
            parsed_id = uuid.UUID(_text(headers, "sada-reject-id"))
        except ValueError:
            parsed_id = reject_id(_origin(message), line_number, message.value or b"")
        return [
            parsed_id,
            datetime.fromtimestamp(received_ns / 1e9, tz=UTC),
            _text(headers, "sada-event"),
            _text(headers, "sada-source"),
            line_number,
            _text(headers, "sada-field"),
            _text(headers, "sada-reason"),
            message.value or b"",
        ]


def _origin(message: ConsumerRecord) -> str:
    """Where a record without a reject id of its own came from: what its reject id is made of."""
    return f"kafka:{message.topic}:{message.partition}:{message.offset}"


def record_row(record: Record, version: int) -> tuple[str, list[Any]]:
    """The row of a valid record, in the column order of ``shared.store.TABLES``."""
    if isinstance(record, Post):
        written = list(record.hashtags) if record.hashtags is not None else hashtags_in(record.text or "")
        tags: dict[str, str] = {}  # one spelling per normalised tag: a post counts once under each
        for tag in written:
            tags.setdefault(hashtag_key(tag), tag)
        return "posts", [
            record.event,
            record.platform,
            record.post_id,
            record.created_at,
            record.account,
            record.author,
            record.text,
            record.lang,
            list(tags.values()),
            list(tags),
            record.url,
            record.media,
            record.followers,
            version,
        ]
    if isinstance(record, Metrics):
        return "metrics", [
            record.event,
            record.platform,
            record.post_id,
            record.observed_at,
            *(getattr(record, c) for c in COUNTERS),
            version,
        ]
    if isinstance(record, Interaction):
        return "interactions", [
            record.event,
            record.platform,
            record.interaction_id,
            record.post_id,
            record.kind,
            record.occurred_at,
            record.actor,
            record.text,
            version,
        ]
    if isinstance(record, Mention):
        return "mentions", [
            record.event,
            record.normalised_url,
            record.url,
            record.platform,
            record.published_at,
            record.outlet,
            record.country,
            record.lang,
            record.title,
            record.audience,
            version,
        ]
    raise TypeError(f"not a record: {record!r}")


@dataclass
class Batch:
    """Rows per table plus the offset range each partition contributed to each table."""

    rows: dict[str, list[list[Any]]] = field(default_factory=dict)
    ranges: dict[str, dict[TopicPartition, list[int]]] = field(default_factory=dict)
    started: float = 0.0
    size: int = 0

    def add(self, tp: TopicPartition, offset: int, table: str, row: list[Any]) -> None:
        if not self.size:
            self.started = time.monotonic()
        self.size += 1
        self.rows.setdefault(table, []).append(row)
        span = self.ranges.setdefault(table, {}).setdefault(tp, [offset, offset])
        span[0], span[1] = min(span[0], offset), max(span[1], offset)

    def age_ms(self) -> float:
        return (time.monotonic() - self.started) * 1000 if self.size else 0.0

    def token(self, table: str) -> str:
        """``topic:partition:first-last`` for every partition in the table's rows."""
        return ",".join(
            f"{tp.topic}:{tp.partition}:{first}-{last}"
            for tp, (first, last) in sorted(self.ranges[table].items())
        )

    def offsets(self) -> dict[TopicPartition, OffsetAndMetadata]:
        last: dict[TopicPartition, int] = {}
        for spans in self.ranges.values():
            for tp, (_, high) in spans.items():
                last[tp] = max(last.get(tp, -1), high)
        return {tp: OffsetAndMetadata(high + 1, "", -1) for tp, high in last.items()}


class Writer:
    """Inserts a batch, retrying with capped exponential backoff while the store fails."""

    def __init__(self, store: Store, settings: Settings, on_status=None):
        self.store = store
        self.initial = settings.store_retry_initial_ms / 1000
        self.ceiling = settings.store_retry_max_ms / 1000
        self.on_status = on_status or (lambda ok, message: None)

    def write(self, batch: Batch, stop: threading.Event) -> bool:
        """True once every table holds the batch and the rollups are up to date with it; False
        if asked to stop first. A step that fails is retried, and the steps after it wait."""
        delay = self.initial
        pending: list[Callable[[], None]] = [
            partial(self.store.insert, table, batch.rows[table], batch.token(table))
            for table in sorted(batch.rows)
        ]
        pending.append(partial(self.store.update_rollups, batch.rows))
        while pending:
            try:
                pending[0]()
                pending.pop(0)
            except StoreUnavailable as exc:
                self.on_status(False, str(exc))
                log.warning("%s; retrying in %.1f s without committing", exc, delay)
                if stop.wait(delay):
                    return False
                delay = min(delay * 2, self.ceiling)
        self.on_status(True, "")
        return True


class Committer:
    """Commits the offsets after a batch's last record; a moved partition is not an error."""

    def __init__(self, consumer: KafkaConsumer):
        self.consumer = consumer

    def commit(self, batch: Batch) -> bool:
        try:
            self.consumer.commit(batch.offsets())
            return True
        except (CommitFailedError, KafkaError) as exc:
            log.warning("offsets not committed (%s); the batch will be read again and stored once", exc)
            return False
