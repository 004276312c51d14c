"""How a poller publishes what a page found, a part of :class:`Poller` kept apart: the records
go to Kafka first, and only once Kafka took them does the checkpoint move past the page (a crash
re-reads at most one page; the store counts it once, DESIGN §3 identities)."""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

from services.collector.intake import now_ns
from services.collector.mapping import Item, to_intake
from services.collector.metrics import PollerMetrics
from services.collector.pollers.checkpoint import Checkpoint
from services.collector.pollers.entries import Entry
from services.collector.pollers.health import Health
from services.collector.pollers.limits import PollError
from services.collector.pollers.page import Page
from services.collector.pollers.sink import Sink
from services.collector.publisher import KafkaUnavailable
from shared.registry import Event


class Publishing:
    """Publishing pages and moving the checkpoint of a :class:`Poller`."""

    name: ClassVar[str]
    event: Event
    sink: Sink
    source: str
    metrics: PollerMetrics
    checkpoint: Checkpoint
    health: Health
    clock: Any
    published: Tally[str]
    dead_letters: int
    _refreshed: set[str]

    async def publish(self, items: list[Item], update: Callable[[], None] = lambda: None) -> None:
        """Publish ``items`` and wait for Kafka; only then apply ``update`` to the checkpoint and
        save it. A Kafka failure raises :class:`PollError` with the checkpoint unmoved."""
        if items:
            intake = to_intake(items, self.event.slug, now_ns(), numbered=False)
            try:
                await self.sink.publish(intake, self.source)
            except KafkaUnavailable as exc:
                raise PollError(f"Kafka did not take the records ({exc}); this page is read again") from exc
            for _, record in intake.accepted:
                self.published[record.type] += 1
                self.metrics.records.labels(self.name, record.type).inc()
            self.health.published(len(intake.accepted))
            self.dead_letters += len(intake.rejected)
            self.metrics.dead_letters.labels(self.name).inc(len(intake.rejected))
        update()
        self.checkpoint.save()
        self.metrics.known.labels(self.name, self.event.slug).set(len(self.checkpoint.posts))

    async def take(
        self, entries: Iterable[Entry], cursors: Mapping[str, Any] | None = None, refreshing: bool = False
    ) -> None:
        """Publish what a page found (:class:`Page`), then move the checkpoint and the cursors."""
        dead = self.checkpoint.data.setdefault("dead", [])
        page = Page(self.clock(), self.checkpoint.posts, set(dead), self._refreshed, refreshing)
        for found in entries:
            page.sort(found)

        def update() -> None:
            page.apply(self.checkpoint)
            self._refreshed.update(page.published())
            self.move(cursors or {})

        await self.publish(page.items, update)

    def move(self, cursors: Mapping[str, Any]) -> None:
        """Set the cursors a page moved; a ``None`` cursor is dropped (its listing is done)."""
        for key, value in cursors.items():
            if value is None:
                self.checkpoint.cursors.pop(key, None)
            else:
                self.checkpoint.cursors[key] = value

    def forget(self, post_ids: Iterable[str]) -> None:
        """The platform says these posts are gone: stop asking for their figures."""
        for post_id in post_ids:
            if post_id in self.checkpoint.posts:
                self.checkpoint.posts[post_id]["gone"] = True
