"""How long a campaign report takes: ``python -m bench.pdf_timing [--repeat N]``.

Builds a seed-sized store the way ``sada run`` does (the simulated AUSIM 2022
edition, 932 posts and 4,785 records, plus the 2024 edition to compare with)
through the real local pipeline in a temporary directory, then renders the
report in each language and prints, per language, the time to read the store
(``gather``), to draw (``draw``) and the whole (``render_report``), the median
of ``--repeat`` runs after one warm-up. :func:`measure` is the part to reuse
against any store.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from shared.registry import Event
from shared.store import Store


def measure(store: Store, event: Event, previous: Event | None, langs: list[str], repeat: int = 3) -> dict:
    """Median seconds per language: ``gather``, ``draw`` and ``total``, and the PDF's size."""
    from services.reporter.pdf.content import gather
    from services.reporter.pdf.layout import draw

    draw(gather(store, event, previous), langs[0])  # warm-up: imports, fonts, matplotlib
    results = {}
    for lang in langs:
        reads, draws, size = [], [], 0
        for _ in range(repeat):
            started = time.perf_counter()
            content = gather(store, event, previous)
            middle = time.perf_counter()
            size = len(draw(content, lang))
            reads.append(middle - started)
            draws.append(time.perf_counter() - middle)
        results[lang] = {
            "gather_s": round(statistics.median(reads), 3),
            "draw_s": round(statistics.median(draws), 3),
            "total_s": round(statistics.median(r + d for r, d in zip(reads, draws, strict=False)), 3),
            "bytes": size,
        }
    return results


async def _seed_store(data_dir: Path):
    import aiohttp

    from services.collector.client import post_chunk
    from services.demo import DEMO_REGISTRY
    from services.demo.simulator import seed_event
    from services.local import LocalMode
    from shared.registry import load_registry
    from shared.settings import Settings

    registry = load_registry(DEMO_REGISTRY)
    local = await LocalMode(Settings(data_dir=data_dir), registry).start()
    records = seed_event() + seed_event(
        seed=7, event="ausim-2024", start=datetime(2024, 10, 23, 8, 0, tzinfo=timezone(timedelta(hours=1)))
    )
    async with aiohttp.ClientSession() as session:
        for first in range(0, len(records), 2000):
            body = "\n".join(
                json.dumps(r, ensure_ascii=False) for r in records[first : first + 2000]
            ).encode()
            await post_chunk(session, local.urls["collector"], local.token, body, "timing", first + 1)
    await local.drain()
    return local, registry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pdf_timing")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--lang", default="ar,fr,en")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON (for make bench)")
    args = parser.parse_args(argv)
    langs = args.lang.split(",")
    with tempfile.TemporaryDirectory(prefix="sada-pdf-timing-") as scratch:

        async def run() -> dict:
            local, registry = await _seed_store(Path(scratch))
            try:
                current = registry.get("ausim-2022")
                alone = await asyncio.to_thread(
                    measure, local.reporter_store, current, None, langs, args.repeat
                )
                later = registry.get("ausim-2024")
                compared = await asyncio.to_thread(
                    measure, local.reporter_store, later, current, langs[-1:], args.repeat
                )
                return {"ausim-2022": alone, "ausim-2024 (with comparison)": compared}
            finally:
                await local.stop()

        results = asyncio.run(run())
    if args.json:
        print(json.dumps(results))
        return 0
    print(f"{'event':<30} {'lang':<5} {'gather s':>9} {'draw s':>9} {'total s':>9} {'KiB':>7}")
    for event, per_lang in results.items():
        for lang, figures in per_lang.items():
            print(
                f"{event:<30} {lang:<5} {figures['gather_s']:>9.3f} {figures['draw_s']:>9.3f} "
                f"{figures['total_s']:>9.3f} {figures['bytes'] / 1024:>7.0f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
