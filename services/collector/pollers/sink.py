"""Where the pollers' records go: a :class:`Sink` (Kafka through the collector's publisher).

Records go to the record topics like any intake's; each pass's :class:`PollerPass` (collection
health) goes to the pollers topic, which the aggregator stores in ``poller_passes``.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from services.collector.intake import Intake, now_ns
from services.collector.publisher import Publisher
from shared.passes import PollerPass


class Sink(Protocol):
    async def publish(self, intake: Intake, source: str) -> None: ...

    async def report(self, passes: list[PollerPass]) -> None: ...


class PublisherSink:
    """Straight to Kafka through the collector's :class:`Publisher` (waits for acks=all)."""

    def __init__(self, publisher: Publisher):
        self.publisher = publisher

    async def publish(self, intake: Intake, source: str) -> None:
        intake.bound(self.publisher.settings.max_record_bytes)  # as every intake: too big, rejected
        await self.publisher.publish_waiting(intake, source)

    async def report(self, passes: list[PollerPass]) -> None:
        await asyncio.to_thread(self.publisher.publish_passes, passes, now_ns())
