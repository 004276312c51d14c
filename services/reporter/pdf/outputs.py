"""Where the PDF reports leave sada as files: ``sada run`` / ``sada demo`` / ``sada report pdf``.
(The reporter's ``GET /v1/events/{event}/report.pdf`` is one of its routes, ``app.py``.)"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from shared.registry import LANGS

if TYPE_CHECKING:  # the `sada` command imports this module: keep its start light
    from shared.registry import Event, Registry
    from shared.settings import Settings
    from shared.store import Store


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
            pictures=settings.pictures_dir(),
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

        from services.reporter.auth import token_headers

        async with aiohttp.ClientSession(headers=token_headers(settings, args.token)) as session:
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
                    if not body.startswith(b"%PDF-"):  # a web server, not a reporter: no .pdf of HTML
                        print(
                            f"sada report: {response.url.with_query(None)} did not answer as a sada "
                            f"reporter (it sent {response.content_type}, not a PDF); check --url",
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
