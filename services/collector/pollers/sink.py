"""Where the pollers' records go: a :class:`Sink` (Kafka through the collector's publisher)."""

from __future__ import annotations

import asyncio
from typing import Protocol

from services.collector.intake import Intake
from services.collector.publisher import Publisher


class Sink(Protocol):
    async def publish(self, intake: Intake, source: str) -> None: ...


class PublisherSink:
    """Straight to Kafka through the collector's :class:`Publisher` (waits for acks=all)."""

    def __init__(self, publisher: Publisher):
        self.publisher = publisher

    async def publish(self, intake: Intake, source: str) -> None:
        intake.bound(self.publisher.settings.max_record_bytes)  # as every intake: too big, rejected
        await asyncio.to_thread(self.publisher.publish, intake, source)
