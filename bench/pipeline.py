"""The pipeline measured from outside, as a client sees it: LocalMode, HTTP in, summary out."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import aiohttp

from bench.cpu import Meter
from bench.inputs import EVENT, Body, groups, ndjson
from bench.raw import Rate
from services.collector.client import post_chunk
from services.local import LocalMode, local_mode
from services.reporter.summary import summary
from shared.progress import Progress
from shared.registry import Registry
from shared.settings import Settings


@asynccontextmanager
async def warm_local_mode(base: Settings, database: str) -> AsyncIterator[LocalMode]:
    """Local mode on its own ``database``, warmed up (see :func:`warm_up`), stopped when the block ends."""
    async with local_mode(base.model_copy(update={"clickhouse_database": database}), Registry()) as local:
        await warm_up(local)
        yield local


def _session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120))


async def warm_up(local: LocalMode) -> None:
    """One record group of another event, drained: the aggregator has joined its group and the
    collector's producer is connected before any clock starts, as in a service that is running."""
    body = ndjson(groups(1, event="bench-warmup")[0])
    async with _session() as session:
        await post_chunk(session, local.urls["collector"], local.token, body, "bench-warmup", 1)
    await local.drain(timeout_s=60)


@dataclass(frozen=True)
class EndToEnd:
    rate: Rate
    acked_s: float  # first POST -> last 2xx: the collector's share; the rest is the aggregator's tail
    stored: dict[str, int]
    aggregator_batches: int
    summary_s: float  # one summary() over everything stored: what each freshness poll costs at this size


async def end_to_end(local: LocalMode, bodies: list[Body], concurrency: int, progress: Progress) -> EndToEnd:
    """From the first POST until ``drain()`` says every produced record is stored and committed.

    ``concurrency`` requests in flight, as several collectors or ``sada ingest`` runs would send.
    """
    queue = list(reversed(bodies))
    sent = 0

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal sent
        while queue:
            body = queue.pop()
            answer = await post_chunk(session, local.urls["collector"], local.token, body.body, "bench", 1)
            if answer.get("rejected"):
                raise RuntimeError(f"the collector rejected bench records: {answer['rejected'][:3]}")
            sent += body.records
            progress(f"  end-to-end: {sent} records acknowledged by the collector")

    async with _session() as session:
        meter = Meter().start()
        started = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        acked_s = time.perf_counter() - started
        await local.drain(timeout_s=900, progress=progress)
        seconds = time.perf_counter() - started
        cpu = meter.stop()
    assert local.reporter_store is not None and local.aggregator is not None
    count = "SELECT count() AS n FROM {} FINAL WHERE event = {{event:String}}"
    stored = {
        table: int(local.reporter_store.query(count.format(table), {"event": EVENT})[0]["n"])
        for table in ("posts", "metrics", "interactions")
    }
    began = time.perf_counter()
    await asyncio.to_thread(summary, local.reporter_store, EVENT)
    return EndToEnd(
        Rate(sum(b.records for b in bodies), seconds, cpu),
        acked_s,
        stored,
        local.aggregator.stored_batches,
        time.perf_counter() - began,
    )


@dataclass
class Freshness:
    """Per body: when its POST was sent, when it was acknowledged and when the summary first
    showed it."""

    scheduled_rate: float
    sent: list[float | None] = field(default_factory=list)
    acked: list[float | None] = field(default_factory=list)
    visible: list[float | None] = field(default_factory=list)
    records_acked: int = 0
    send_seconds: float = 0.0
    polls: int = 0
    poll_seconds: float = 0.0
    late_sends: int = 0

    @property
    def delays(self) -> list[float]:
        return [
            v - s for s, v in zip(self.sent, self.visible, strict=False) if s is not None and v is not None
        ]

    @property
    def achieved_rate(self) -> float:
        return self.records_acked / self.send_seconds if self.send_seconds > 0 else float("nan")


def _reached(totals: dict[str, int], body: Body) -> bool:
    """The visibility test (an approximation): the summary's totals reached the cumulative posts,
    views and comments sent through this body, one figure per raw table."""
    return (
        totals["posts"] >= body.posts
        and totals["views"] >= body.views
        and totals["comments"] >= body.comments
    )


async def freshness(
    local: LocalMode, bodies: list[Body], interval_s: float, progress: Progress, settle_s: float = 60.0
) -> Freshness:
    """A steady stream (one body per ``interval_s``) while a poller reads the summary.

    A body's delay is (end of the first summary poll that shows it) − (the start of its POST).
    From the send, not the 2xx: local mode answers 2xx once the records are stored, so the time
    a sender waits is part of it. Using the poll's end makes the figure what a dashboard user
    gets; the poll time is its resolution.
    """
    result = Freshness(
        scheduled_rate=bodies[0].records / interval_s if bodies else 0.0,
        sent=[None] * len(bodies),
        acked=[None] * len(bodies),
        visible=[None] * len(bodies),
    )
    store = local.reporter_store
    assert store is not None
    sending = True

    async def send(session: aiohttp.ClientSession, index: int, body: Body) -> None:
        result.sent[index] = time.perf_counter()
        await post_chunk(session, local.urls["collector"], local.token, body.body, "bench-fresh", 1)
        result.acked[index] = time.perf_counter()
        result.records_acked += body.records

    async def poll() -> None:
        shown = 0
        deadline = None
        while shown < len(bodies):
            if not sending:
                deadline = deadline or time.monotonic() + settle_s
                if time.monotonic() > deadline:
                    return
            started = time.perf_counter()
            totals = (await asyncio.to_thread(summary, store, EVENT))["totals"]
            done = time.perf_counter()
            result.polls += 1
            result.poll_seconds += done - started
            while shown < len(bodies) and _reached(totals, bodies[shown]):
                result.visible[shown] = done
                shown += 1
            await asyncio.sleep(0.05)

    async with _session() as session:
        poller = asyncio.create_task(poll())
        tasks = []
        began = time.perf_counter()
        for index, body in enumerate(bodies):
            delay = began + index * interval_s - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -interval_s:
                result.late_sends += 1
            tasks.append(asyncio.create_task(send(session, index, body)))
            if index % 10 == 9:
                progress(
                    f"  freshness: {index + 1}/{len(bodies)} bodies sent, "
                    f"{sum(v is not None for v in result.visible)} visible"
                )
        try:
            await asyncio.gather(*tasks)
            result.send_seconds = max(a for a in result.acked if a is not None) - began
            sending = False
            await poller
        finally:
            poller.cancel()
    return result
