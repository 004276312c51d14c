"""Where the PDF reports leave sada: files for ``sada run`` / ``sada demo`` / ``sada report pdf``,
and the reporter's ``GET /v1/events/{event}/report.pdf``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the `sada` command imports this module: keep its start light
    from shared.registry import Event, Registry
    from shared.settings import Settings
    from shared.store import Store

log = logging.getLogger("sada.reporter.pdf")
LANGS = ("ar", "fr", "en")


def parse_langs(text: str) -> list[str]:
    """``"ar,fr,en"`` -> ``["ar", "fr", "en"]``; for argparse ``type=``."""
    langs = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [lang for lang in langs if lang not in LANGS]
    if unknown or not langs:
        raise argparse.ArgumentTypeError(f"{text!r}: give one or more of {', '.join(LANGS)}, comma-separated")
    return list(dict.fromkeys(langs))


def _previous(registry: Registry, event: Event) -> Event | None:
    return registry.get(event.previous) if event.previous else None


def write_reports(
    store: Store,
    settings: Settings,
    out: Path,
    events: list[str],
    langs: list[str],
    registry: Registry,
    arabic_digits: bool = False,
) -> list[Path]:
    """``report-<event>-<lang>.pdf`` for each event and language; the store is read once per event."""
    from services.reporter.pdf import render_reports

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for slug in events:
        event = registry.get(slug)
        reports = render_reports(
            store,
            event,
            langs,
            _previous(registry, event),
            logo=settings.report_logo,
            arabic_digits=arabic_digits,
        )
        for lang, pdf in reports.items():
            path = out / f"report-{slug}-{lang}.pdf"
            path.write_bytes(pdf)
            written.append(path)
    return written


async def report_pdf_command(settings: Settings, args: argparse.Namespace) -> int:
    """``sada report pdf --event E --lang ar,fr,en -o DIR [--url URL] [--arabic-digits]``.

    Asks a running reporter with ``--url``, or opens the store directly. Prints
    each file written, one per line.
    """
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    written = []
    if args.url:
        import aiohttp

        async with aiohttp.ClientSession() as session:
            for lang in args.lang:
                params = {"lang": lang, **({"digits": "arabic"} if args.arabic_digits else {})}
                async with session.get(
                    f"{args.url}/v1/events/{args.event}/report.pdf", params=params
                ) as response:
                    body = await response.read()
                    if response.status != 200:
                        print(
                            f"sada report: HTTP {response.status}: {body.decode('utf-8', 'replace')}",
                            file=sys.stderr,
                        )
                        return 1
                path = out / f"report-{args.event}-{lang}.pdf"
                path.write_bytes(body)
                written.append(path)
    else:
        from shared.registry import load_registry
        from shared.store import open_store

        def local() -> list[Path]:
            return write_reports(
                open_store(settings),
                settings,
                out,
                [args.event],
                args.lang,
                load_registry(settings.events_file),
                args.arabic_digits,
            )

        written = await asyncio.to_thread(local)
    for path in written:
        print(path)
    return 0


def report_handler(
    store: Store, registry: Registry, settings: Settings, observe: Callable[[float], Any] | None = None
) -> Callable[[Any], Awaitable[Any]]:
    """The aiohttp handler of ``GET /v1/events/{event}/report.pdf?lang=ar|fr|en&digits=latin|arabic``."""
    from aiohttp import web
    from clickhouse_connect.driver.exceptions import ClickHouseError

    from services.reporter.pdf import render_report
    from shared.events import EVENT_SLUG
    from shared.http import error

    async def handle(request: web.Request) -> web.Response:
        slug = request.match_info["event"]
        if not re.fullmatch(EVENT_SLUG, slug):
            return error(400, f"{slug!r} is not an event slug ([a-z0-9-]{{1,64}})")
        lang = request.query.get("lang", "en")
        if lang not in LANGS:
            return error(400, f"lang: {lang!r} is not one of {', '.join(LANGS)}")
        digits = request.query.get("digits", "latin")
        if digits not in ("latin", "arabic"):
            return error(400, f"digits: {digits!r} is not one of latin, arabic")
        event = registry.get(slug)
        started = time.perf_counter()
        try:
            pdf = await asyncio.to_thread(
                render_report,
                store,
                event,
                lang,
                _previous(registry, event),
                logo=settings.report_logo,
                arabic_digits=digits == "arabic",
            )
        except ClickHouseError as exc:
            return error(503, f"the store cannot answer now: {exc}")
        if observe is not None:
            observe(time.perf_counter() - started)
        return web.Response(
            body=pdf,
            content_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="report-{slug}-{lang}.pdf"'},
        )

    return handle
