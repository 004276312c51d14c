"""The viral post: how soon new likes on one post show in the summary while the post already has
10,000 interactions, and while it has 1,000,000 (issue 12: the write path's cost must not grow
with a post's history; target: the second ≤ 1.3 × the first).

Each size is its own event with one X post whose history is filled behind the aggregator's back
(``INSERT … SELECT FROM numbers()`` into ``interactions``, then its rollups computed in one go as
migration 010 does), so filling a million interactions takes seconds, not the pipeline's minutes;
the store is then what the pipeline would have left. Then ``ROUNDS`` bodies of ``LIKES`` new likes
go through the real pipeline (HTTP, Kafka, aggregator, ClickHouse) one after the other, each timed
from the start of its POST until a summary shows its likes.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import aiohttp

from bench.inputs import ndjson
from services.collector.client import post_chunk
from services.local import LocalMode
from services.reporter.summary import summary
from shared import rollups
from shared.progress import Progress
from shared.sqlfiles import sql

SIZES = (10_000, 1_000_000)
ROUNDS = 15
LIKES = 100
POST_ID = "1850000000000000001"


@dataclass
class Viral:
    delays: dict[int, list[float]] = field(default_factory=dict)  # history size -> seconds per body
    fill_s: dict[int, float] = field(default_factory=dict)


def event_of(size: int) -> str:
    return f"bench-viral-{size}"


async def viral(local: LocalMode, sizes: tuple[int, ...], rounds: int, progress: Progress) -> Viral:
    store = local.reporter_store
    assert store is not None
    result = Viral()
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        for size in sizes:
            event = event_of(size)
            began = time.perf_counter()
            parameters = {"event": event, "post": POST_ID, "start": start, "count": size}
            await asyncio.to_thread(store.client.command, sql("bench", "viral_fill"), parameters=parameters)
            await asyncio.to_thread(rollups.rebuild_event, store.client, event)
            result.fill_s[size] = time.perf_counter() - began
            progress(f"  viral: {size:,} interactions on one post filled in {result.fill_s[size]:.1f} s")
            delays = result.delays[size] = []
            for round_ in range(rounds):
                body = ndjson(
                    [
                        {
                            "type": "interaction",
                            "event": event,
                            "platform": "x",
                            "post_id": POST_ID,
                            "interaction_id": f"new-{round_}-{n}",
                            "kind": "like",
                            "occurred_at": (datetime.now(UTC) - timedelta(seconds=1)).isoformat(),
                        }
                        for n in range(LIKES)
                    ]
                )
                expected = size + (round_ + 1) * LIKES
                sent = time.perf_counter()
                await post_chunk(session, local.urls["collector"], local.token, body, "bench-viral", 1)
                while (await asyncio.to_thread(summary, store, event))["totals"]["likes"] < expected:
                    await asyncio.sleep(0.01)
                delays.append(time.perf_counter() - sent)
                progress(f"  viral: {size:,}: body {round_ + 1}/{rounds} visible after {delays[-1]:.2f} s")
    return result
