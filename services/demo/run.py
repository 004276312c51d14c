"""``sada demo``: local mode, the simulated seed event replayed into it as a live stream, then the
outputs and the event's summary on stdout."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from services.collector.client import post_chunk
from services.demo import DEMO_REGISTRY
from services.demo.simulator import EVENT, seed_event
from services.local import LocalMode, local_mode
from services.outputs import write_outputs
from services.signals import until_interrupted
from shared.progress import say, throttled
from shared.registry import load_registry
from shared.settings import Settings


async def run_demo(
    settings: Settings, seconds: float, out: Path, data: Path | None, langs: list[str], keep_running: bool
) -> int:
    """Replay :data:`EVENT` in about ``seconds``, write the outputs to ``out``, print the summary;
    with ``keep_running`` stay up until Ctrl-C."""
    records = seed_event()
    say(f"sada demo: replaying {EVENT} (3 days, {len(records)} records) in about {seconds:.0f} s")
    registry = load_registry(settings.events_file or DEMO_REGISTRY)
    async with local_mode(settings, registry, one_shot="demo", data=data) as local:
        local.announce()
        page = live_url(local.urls["reporter"], records)
        say(f"  the event live: {page}")
        await replay(local, records, seconds)
        await local.drain(progress=throttled())
        written = await asyncio.to_thread(
            write_outputs, local.reporter_store, local.settings, out, [EVENT], langs, registry
        )
        for path in written:
            say(f"  wrote {path}")
        # the summary just written (summary-<event>.json), not asked of the store a second time
        print((out / f"summary-{EVENT}.json").read_text("utf-8"), end="")
        if keep_running:
            say(f"sada demo: still up, Ctrl-C stops it. The event live: {page}")
            await until_interrupted()
    return 0


TIMES = ("created_at", "observed_at", "occurred_at", "published_at")


def live_url(reporter: str, records: list[dict]) -> str:
    """The replayed event's live page as of the end of its busiest quarter hour (``?at=``): its
    records are from 2022, and the page's "last 15 minutes" would otherwise be the real clock's."""
    quarters = Counter(
        datetime.fromisoformat(r[key]).astimezone(UTC).replace(second=0, microsecond=0)
        - timedelta(minutes=datetime.fromisoformat(r[key]).minute % 15)
        for r in records
        for key in TIMES
        if key in r
    )
    busiest = max(quarters, key=lambda quarter: (quarters[quarter], quarter))
    return f"{reporter}/live/{EVENT}?at={(busiest + timedelta(minutes=15)):%Y-%m-%dT%H:%M:00Z}"


async def replay(local: LocalMode, records: list[dict], seconds: float) -> None:
    """Send ``records`` to the collector in order, a chunk every quarter of a second, so that they
    arrive over about ``seconds`` as a live event's would."""
    steps = max(1, int(seconds * 4))
    per_step = -(-len(records) // steps)
    progress = throttled(2.0)
    async with aiohttp.ClientSession() as session:
        for first in range(0, len(records), per_step):
            chunk = records[first : first + per_step]
            body = "\n".join(json.dumps(r, ensure_ascii=False) for r in chunk).encode()
            await post_chunk(session, local.urls["collector"], local.token, body, "demo", first + 1)
            progress(
                f"  {first + len(chunk)}/{len(records)} records sent; live summary: "
                f"{local.urls['reporter']}/v1/events/{EVENT}/summary"
            )
            await asyncio.sleep(seconds / steps)
