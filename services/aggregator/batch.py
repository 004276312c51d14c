"""Step two: rows gathered into micro-batches, closed by size or by age.

A batch knows the offset range each partition contributed to each table: the
insert's deduplication token is made of it, and the commit of its last offsets.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from kafka import TopicPartition
from kafka.structs import OffsetAndMetadata

from services.aggregator.decode import Decoded
from services.aggregator.step import Deadline, MessageRejected, Step
from shared.records import Row

log = logging.getLogger("sada.aggregator")


@dataclass
class Batch:
    """Rows per table, where each came from, and the offset range each partition contributed to
    each table."""

    rows: dict[str, list[Row]] = field(default_factory=dict)
    # per table, beside each row: the (topic, partition, offset) it was read from
    origins: dict[str, list[tuple[str, int, int]]] = field(default_factory=dict)
    ranges: dict[str, dict[TopicPartition, list[int]]] = field(default_factory=dict)
    started: float = 0.0  # monotonic() at its first record
    oldest_ms: int = 0  # the earliest Kafka timestamp of its records (ms), 0 while none has one
    size: int = 0
    write_started: float = 0.0  # perf_counter() at its first write attempt

    def add(self, tp: TopicPartition, offset: int, table: str, row: Row, timestamp_ms: int) -> None:
        if not self.size:
            self.started = time.monotonic()
        if timestamp_ms and (not self.oldest_ms or timestamp_ms < self.oldest_ms):
            self.oldest_ms = timestamp_ms
        self.size += 1
        self.rows.setdefault(table, []).append(row)
        self.origins.setdefault(table, []).append((tp.topic, tp.partition, offset))
        span = self.ranges.setdefault(table, {}).setdefault(tp, [offset, offset])
        span[0], span[1] = min(span[0], offset), max(span[1], offset)

    def age_ms(self) -> float:
        """Since its first record came in, or since its oldest reached Kafka if that is longer (a
        timestamp in the future, from a clock ahead, counts as now)."""
        if not self.size:
            return 0.0
        here = (time.monotonic() - self.started) * 1000
        return max(here, time.time() * 1000 - self.oldest_ms) if self.oldest_ms else here

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


class BatchStep:
    """Fills a batch and hands it on when it holds ``max_records`` or is ``max_age_ms`` old, counted
    from when its oldest record reached Kafka: records that queued there while the batch before
    was written have waited already. While the next step refuses a closed batch, it refuses
    messages in turn."""

    def __init__(self, next_step: Step[Batch], max_records: int, max_age_ms: int):
        self.next_step = next_step
        self.max_records = max_records
        self.max_age_ms = max_age_ms
        self.open = Batch()
        self.closed: Batch | None = None

    def submit(self, message: Decoded) -> None:
        if self.closed is not None and not self._hand_on():
            raise MessageRejected
        self.open.add(message.partition, message.offset, message.table, message.row, message.timestamp_ms)
        if self.open.size >= self.max_records:
            self._close()

    def poll(self) -> None:
        self.next_step.poll()
        if self.closed is not None:
            self._hand_on()
        elif self.open.size and self.open.age_ms() >= self.max_age_ms:
            self._close()

    def join(self, timeout_s: float) -> None:
        """Hand on the open batch too, waiting for the next step until the time is up."""
        deadline = Deadline(timeout_s)
        while True:
            if self.closed is None and self.open.size:
                self._close()
            if self.closed is None:
                break
            self.next_step.poll()
            if self._hand_on():
                continue
            if not deadline.left():
                break
            deadline.wait(deadline.at)
        left = self.open.size + (self.closed.size if self.closed is not None else 0)
        if left:
            log.warning("%d records left unwritten and uncommitted; they will be read again", left)
        self.next_step.join(deadline.left())

    def close(self) -> None:
        self.next_step.close()

    def _close(self) -> None:
        self.closed, self.open = self.open, Batch()
        self._hand_on()

    def _hand_on(self) -> bool:
        assert self.closed is not None
        try:
            self.next_step.submit(self.closed)
        except MessageRejected:
            return False
        self.closed = None
        return True
