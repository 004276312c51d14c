"""What the poller tests share: a sink that remembers what Kafka acknowledged, quick poller
settings, one pass of a fresh poller, and the store read back to check what the stand-in served
was stored once, with DESIGN §4's totals (computed here from what was served, not with sada's code).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from harness import RunningPipeline, Served
from services.collector.metrics import PollerMetrics
from services.collector.pollers.poller import Poller
from services.collector.pollers.schedule import utcnow
from services.collector.pollers.sink import PublisherSink
from services.reporter.summary import summary
from shared.registry import Event
from shared.settings import PollingSettings, Settings

NOW = datetime.now(UTC).replace(microsecond=0)
ENGAGEMENTS = ("likes", "comments", "shares", "clicks", "saves")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Recorder:
    """Publishes through the pipeline's Publisher and keeps what Kafka acknowledged."""

    def __init__(self, pipeline: RunningPipeline):
        self.inner = PublisherSink(pipeline.local.publisher)
        self.records: list[Any] = []
        self.rejected: list[Any] = []
        self.passes: list[Any] = []  # the pollers' pass records (collection health)

    async def publish(self, intake, source: str) -> None:
        await self.inner.publish(intake, source)
        self.records += [record for _, record in intake.accepted]
        self.rejected += [rejection for _, rejection in intake.rejected]

    async def report(self, passes: list[Any]) -> None:
        await self.inner.report(passes)
        self.passes += passes

    def of(self, kind: str) -> list[Any]:
        return [record for record in self.records if record.type == kind]


def poller_settings(pipeline: RunningPipeline, state: Path, **groups: Any) -> Settings:
    """The pipeline's settings with quick pollers and the given platform groups (``x=XSettings(…)``)."""
    polling = PollingSettings(
        state_dir=state, backoff_initial_s=0.01, backoff_max_s=0.1, retries=1, max_wait_s=5.0, timeout_s=5.0
    )
    return pipeline.local.settings.model_copy(update={"polling": polling, **groups})


def later(minutes: int) -> Callable[[], datetime]:
    """A clock ``minutes`` ahead of now."""
    return lambda: utcnow() + timedelta(minutes=minutes)


def one_pass(
    cls: type[Poller],
    settings: Settings,
    event: Event,
    sink,
    clock: Callable[[], datetime] = utcnow,
    metrics: PollerMetrics | None = None,
) -> Poller:
    """A fresh poller (as after a restart: only the checkpoint carries over) and one pass."""

    async def go() -> Poller:
        async with aiohttp.ClientSession() as session:
            poller = cls(settings, event, session, sink, metrics, clock=clock)
            await poller.poll_once()
            return poller

    return asyncio.run(go())


def stored_posts(pipeline: RunningPipeline, event: str) -> list[str]:
    rows = pipeline.store.query(
        "SELECT post_id FROM posts FINAL WHERE event = {e:String} ORDER BY post_id", {"e": event}
    )
    return [row["post_id"] for row in rows]


def raw_count(pipeline: RunningPipeline, table: str, event: str) -> int:
    """Rows as inserted (no FINAL): a record stored twice would show here."""
    assert table in ("posts", "metrics", "mentions")
    return pipeline.store.query(f"SELECT count() AS n FROM {table} WHERE event = {{e:String}}", {"e": event})[
        0
    ]["n"]


def dead_letters(pipeline: RunningPipeline, event: str) -> list[dict]:
    return pipeline.store.query(
        "SELECT source, field, reason FROM rejected FINAL WHERE event = {e:String}", {"e": event}
    )


def totals(pipeline: RunningPipeline, event: str, platform: str) -> dict[str, int]:
    return summary(pipeline.store, event)["platforms"][platform]["totals"]


def expected_totals(served: dict[str, dict[str, int]], post_ids: list[str]) -> dict[str, int]:
    """DESIGN §4 from what the stand-in served: per post and counter the latest value reported."""
    found: Counter[str] = Counter()
    for post_id in post_ids:
        found.update(served.get(post_id, {}))
    figures = {name: found.get(name, 0) for name in ("impressions", "reach", "views", *ENGAGEMENTS)}
    return {"posts": len(post_ids), **figures, "engagements": sum(figures[name] for name in ENGAGEMENTS)}


def assert_once(recorder: Recorder) -> None:
    """Nothing published twice: one post record per post, one snapshot per (post, observed_at)."""
    posts = Counter(record.post_id for record in recorder.of("post"))
    assert all(n == 1 for n in posts.values()), posts
    snapshots = Counter((record.post_id, record.observed_at) for record in recorder.of("metrics"))
    assert all(n == 1 for n in snapshots.values()), snapshots


def assert_stored(
    pipeline: RunningPipeline,
    recorder: Recorder,
    served: dict[str, dict[str, int]],
    event: str,
    platform: str,
    expected: list[str],
    snapshots: int,
) -> None:
    """After the passes: the ``expected`` posts each stored once (not only after FINAL), the
    ``snapshots`` published each stored once, and the platform's totals DESIGN §4 gives from
    what the stand-in ``served``."""
    pipeline.drain()
    assert stored_posts(pipeline, event) == expected
    assert raw_count(pipeline, "posts", event) == len(expected)
    assert_once(recorder)
    assert len(recorder.of("metrics")) == raw_count(pipeline, "metrics", event) == snapshots
    assert totals(pipeline, event, platform) == expected_totals(served, expected)


def tracked_event(
    slug: str, platform: str | None = None, *accounts: str, days_before: int = 1, **fields
) -> Event:
    """An event about #Sada2026 from ``days_before`` days ago to a day ahead, following
    ``accounts`` on ``platform``."""
    values: dict[str, Any] = {
        "slug": slug,
        "hashtags": ["#Sada2026"],
        "start": NOW - timedelta(days=days_before),
        "end": NOW + timedelta(days=1),
    }
    if platform is not None:
        values["accounts"] = {platform: list(accounts)}
    return Event(**{**values, **fields})


def app_of(routes: dict[str, Handler], method: str = "GET") -> web.Application:
    """A platform stand-in's app: each path answered by its handler."""
    app = web.Application()
    for path, handler in routes.items():
        app.router.add_route(method, path, handler)
    return app


def stand_in(
    pipeline: RunningPipeline, state: Path, app: web.Application, group: str, path: str, token: str
) -> tuple[Served, Recorder, Settings]:
    """``app`` served, a fresh recorder, and quick poller settings whose platform ``group``
    (``"linkedin"``…: its base URL and token) points at the stand-in's ``path``."""
    served = Served(app)
    kind = Settings.model_fields[group].annotation
    assert isinstance(kind, type), group
    configured = kind(base_url=f"{served.url}{path}", token=token)
    return served, Recorder(pipeline), poller_settings(pipeline, state, **{group: configured})
