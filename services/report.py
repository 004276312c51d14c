"""``sada report summary|series|pdf``: an event's figures from a running reporter (``--url``) or
straight from a store, the same JSON either way; every failure is one line that says what to do.

Before it reads a store, the command checks that the event is there (and opens the store only
if it exists: opening a chDB directory creates it, and a "no data" report of a store that was
never filled is an answer to the wrong question, issue 15 item 5). With ``--url`` the reporter
answers as it does over HTTP, for any event it is asked about (a registered event before its
first record has a report too). An unreachable reporter or ClickHouse server is one line,
never a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
from typing import TYPE_CHECKING, Any

import aiohttp
from clickhouse_connect.driver.exceptions import ClickHouseError

from shared.progress import say
from shared.registry import load_registry
from shared.settings import Settings

if TYPE_CHECKING:
    from shared.store import Store

POINT_ELSEWHERE = (
    "set SADA_DATA_DIR to the data directory of `sada up` (or of `sada run --data DIR`), "
    "or pass --url with a running reporter's address"
)


class ReportError(Exception):
    """What stops ``sada report``, as the one line it prints."""


def where(settings: Settings) -> str:
    """The store as a person names it: the chDB directory, or the server without its password."""
    if settings.clickhouse_url:
        server = settings.clickhouse_url.split("@")[-1]
        return f"ClickHouse at {server} (database {settings.clickhouse_database})"
    return f"{(settings.data_dir / 'clickhouse').resolve()}"


def open_event_store(settings: Settings, event: str) -> Store:
    """The store, opened only when it exists and holds ``event``; :class:`ReportError` otherwise."""
    from services.reporter.summary import list_events
    from shared.store import open_store

    if not settings.clickhouse_url and not (settings.data_dir / "clickhouse").is_dir():
        raise ReportError(f"no store in {settings.data_dir.resolve()}; {POINT_ELSEWHERE}")
    try:
        store = open_store(settings)
        events = list_events(store)
    except ClickHouseError as exc:
        raise ReportError(
            f"cannot read {where(settings)}: {_first_line(exc)}; check SADA_CLICKHOUSE_URL"
        ) from None
    if event not in events:
        raise ReportError(f"{where(settings)} has no event {event!r} ({_known(events)}); {POINT_ELSEWHERE}")
    return store


def _known(events: list[str]) -> str:
    return f"it has {', '.join(events)}" if events else "it holds no event"


def _first_line(exc: BaseException) -> str:
    """The reason, short: the OS's words when there are some ("[Errno 111] Connection refused"
    inside a driver's paragraph), else the first line."""
    text = str(exc).strip()
    if errno := re.search(r"\[Errno -?\d+\] [^'\")\]]+", text):
        return errno.group(0)
    return text.splitlines()[0] if text else type(exc).__name__


async def _get(session: aiohttp.ClientSession, url: str, **query: str) -> Any:
    async with session.get(url, params={k: v for k, v in query.items() if v}) as response:
        try:
            body = await response.json(content_type=None)
        except ValueError:
            raise ReportError(f"{url} did not answer as a sada reporter (HTTP {response.status})") from None
    if response.status != 200:
        message = body.get("error") if isinstance(body, dict) else None
        raise ReportError(f"HTTP {response.status} from {url}: {message or 'no reason given'}")
    return body


async def _from_reporter(settings: Settings, args: argparse.Namespace) -> Any:
    from services.reporter.auth import token_headers

    query = {"bucket": args.bucket, "platform": args.platform, "tz": args.tz} if args.kind == "series" else {}
    async with aiohttp.ClientSession(headers=token_headers(settings, args.token)) as session:
        body = await _get(session, f"{args.url}/v1/events/{args.event}/{args.kind}", **query)
    return body["series"] if args.kind == "series" else body


def _from_store(settings: Settings, args: argparse.Namespace) -> Any:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from services.reporter.series import series
    from services.reporter.summary import summary

    store = open_event_store(settings, args.event)
    if args.kind == "summary":
        return summary(store, args.event, settings.top_posts)
    event = load_registry(settings.events_file).get(args.event)
    try:
        zone = ZoneInfo(args.tz or event.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ReportError(f"unknown IANA time zone {args.tz!r} (like Africa/Casablanca)") from None
    return series(store, args.event, args.bucket, zone, args.platform)


async def _report(settings: Settings, args: argparse.Namespace) -> int:
    if args.kind == "pdf":
        from services.reporter.pdf.outputs import report_pdf_command

        if not args.url:
            open_event_store(settings, args.event)
        return await report_pdf_command(settings, args)
    body = await _from_reporter(settings, args) if args.url else _from_store(settings, args)
    print(json.dumps(body, ensure_ascii=False, indent=2))
    return 0


async def cmd_report(settings: Settings, args: argparse.Namespace) -> int:
    """``sada report``: 0 when it printed or wrote the report, 1 when it could not, 2 when asked
    without saying what to report."""
    if not args.verbose:  # their retries and warnings would come before the one line below
        for name in ("urllib3", "clickhouse_connect"):
            logging.getLogger(name).setLevel(logging.ERROR)
    if args.kind is None:
        say("sada report: say what to report: summary, series or pdf (`sada report pdf --help`)")
        return 2
    try:
        return await _report(settings, args)
    except ReportError as exc:
        say(f"sada report {args.kind}: {exc}")
        return 1
    except (aiohttp.ClientError, TimeoutError) as exc:
        say(
            f"sada report {args.kind}: cannot reach the reporter at {args.url} ({_first_line(exc)}); "
            "check --url (`sada up` prints the reporter's address)"
        )
        return 1
    except ClickHouseError as exc:
        say(f"sada report {args.kind}: {where(settings)} failed: {_first_line(exc)}")
        return 1
