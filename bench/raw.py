"""The raw bounds: each client alone, with the pipeline's own settings.

These are the ceilings the pipeline is compared with. Each runs with the
whole machine to itself, which the pipeline (all services in one process)
never has.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from bench.cpu import CpuTimes, Meter
from shared import bus
from shared.progress import Progress
from shared.settings import Settings
from shared.store import open_store


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: float
    cpu: CpuTimes | None = None  # processor time over the same span, by process and thread

    @property
    def per_s(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else float("nan")


def raw_produce(
    settings: Settings, topic: str, messages: list[tuple[bytes, bytes]], progress: Progress
) -> Rate:
    """kafka-python with the collector's producer (acks=all, idempotent, gzip, linger), keyed as
    the collector keys, with its header; timed from the first send until every ack is in."""
    producer = bus.make_producer(settings)
    headers = [(bus.RECEIVED_NS, str(time.time_ns()).encode())]
    try:
        producer.partitions_for(topic)  # metadata outside the clock
        meter = Meter().start()
        started = time.perf_counter()
        futures = []
        for n, (key, value) in enumerate(messages, start=1):
            futures.append(producer.send(topic, key=key, value=value, headers=headers))
            progress(f"  produce: {n}/{len(messages)} sent")
        timeout = settings.kafka_delivery_timeout_ms / 1000 + 1
        for future in futures:
            future.get(timeout=timeout)
        return Rate(len(messages), time.perf_counter() - started, meter.stop())
    finally:
        producer.close(timeout=5)


@dataclass(frozen=True)
class ConsumeResult:
    rate: Rate
    join_s: float  # subscribe -> first message: the group join, excluded from the rate


def raw_consume(
    settings: Settings, topic: str, expected: int, progress: Progress, timeout_s: float = 300.0
) -> ConsumeResult:
    """kafka-python in a fresh consumer group with the aggregator's consumer settings.

    Timed from the first message to the last: the group join (session_timeout / 2 on
    Tansu) is reported apart, since a running aggregator pays it once, not per record.
    The records of the first poll arrived before the clock started, so they are not counted.
    """
    consumer = bus.make_consumer(settings, group=f"bench-raw-{uuid.uuid4().hex[:8]}")
    try:
        subscribed = time.perf_counter()
        consumer.subscribe([topic])
        first = last = 0.0
        seen = before_clock = 0
        meter = Meter()
        deadline = time.monotonic() + timeout_s
        while seen < expected and time.monotonic() < deadline:
            polled = consumer.poll(timeout_ms=500)
            if polled:
                last = time.perf_counter()
                seen += sum(len(messages) for messages in polled.values())
                if not first:
                    first, before_clock = last, seen
                    meter.start()
                progress(f"  consume: {seen}/{expected} received")
        cpu = meter.stop()  # the loop ends at the poll that brought the last message
        if seen < expected:
            raise RuntimeError(f"consumed only {seen} of {expected} messages in {timeout_s:.0f} s")
        return ConsumeResult(Rate(seen - before_clock, last - first, cpu), first - subscribed)
    finally:
        consumer.close(autocommit=False)


def raw_insert(
    settings: Settings, database: str, rows: list[list[Any]], batch: int, progress: Progress
) -> Rate:
    """``Store.insert`` (row tuples, dedup token, async_insert=0) into ``metrics`` of its own
    database, in the aggregator's batch size; one batch per call, as the aggregator does."""
    store = open_store(settings, database)
    meter = Meter().start()
    started = time.perf_counter()
    for first in range(0, len(rows), batch):
        store.insert("metrics", rows[first : first + batch], token=f"bench-raw:{first}")
        progress(f"  insert: {min(first + batch, len(rows))}/{len(rows)} rows")
    return Rate(len(rows), time.perf_counter() - started, meter.stop())
