"""``POST /v1/imports``: a platform export file (or NDJSON) as the raw request body.

Query: ``event`` (the slug the rows belong to; required for exports, ignored
for NDJSON whose records name their own), ``format`` (``ndjson``, ``x``,
``linkedin``, ``facebook``, ``instagram``, ``youtube``; detected from the
header when absent), ``tz`` (IANA zone of times written without an offset;
default UTC) and ``observed_at`` (RFC 3339 with offset: when the figures were
read, default the upload). ``X-Sada-Source`` names the file: the records and dead letters of
an export have the source ``export:<format>:<file>`` (``export:<format>`` without one), those
of an NDJSON file ``http:<file>``, as if sent to ``/v1/events`` (format v1 records are as
precise as any client's).

Answers, in order: 401/403 bearer token (as ``POST /v1/events``), 400 for a
bad parameter or a non-UTF-8 ``X-Sada-Source``, 413 above ``SADA_MAX_BODY_BYTES``,
415/400/408 for a body that is not decodable or does not arrive
(:func:`~services.collector.answers.read_body`), 400 for a file that cannot be
read or matches no known header (the message lists what is missing), 413 for a
file over ``SADA_MAX_IMPORT_CELLS`` cells, 503 + ``Retry-After`` while Kafka does
not acknowledge, 422 when no row became records, else 200 with the account of
every row and ``notes`` (what the import could not do for some rows, such as
LinkedIn activity URNs nothing links to the API's post ids).
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web

from services.collector.aliases import Renamed, rename_activities
from services.collector.answers import Refused, publish_acked, read_body, source_of
from services.collector.exports.importer import FORMATS, ImportRefused, Rename, Skipped, import_file
from services.collector.exports.layout import Context
from services.collector.intake import now_ns
from services.collector.metrics import CollectorMetrics
from services.collector.middleware import Policy, add_route, bearer
from services.collector.publisher import Publisher
from shared.events import EVENT_SLUG
from shared.settings import Settings

PATH = "/v1/imports"


def context_of(query: dict[str, str], received_ns: int) -> Context | None:
    """The import's context from the query; raises :class:`ImportRefused` for a bad parameter."""
    event = query.get("event")
    if event is None:
        return None
    if not re.fullmatch(EVENT_SLUG, event):
        raise ImportRefused(f"event {event!r} must match {EVENT_SLUG}")
    try:
        zone = ZoneInfo(query.get("tz") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise ImportRefused(
            f"tz {query.get('tz')!r} is not an IANA time zone (like Africa/Casablanca)"
        ) from None
    observed = query.get("observed_at")
    if observed is None:
        observed = datetime.fromtimestamp(received_ns / 1e9, tz=UTC).isoformat()
    else:
        try:
            moment = datetime.fromisoformat(observed)
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise ImportRefused(
                f"observed_at {observed!r} must be RFC 3339 with an offset (like 2022-10-27T18:00:00+01:00)"
            )
    return Context(event, zone, observed)


def renamer(settings: Settings, loop: asyncio.AbstractEventLoop) -> Rename:
    """The import's :data:`~.importer.Rename`, called from the import's worker thread: a
    LinkedIn file's activity URNs are resolved on the server's loop
    (:func:`~services.collector.aliases.rename_activities`); other platforms keep their ids."""

    def rename(platform: str, post_ids: list[str]) -> Renamed:
        if platform != "linkedin":
            return Renamed()
        return asyncio.run_coroutine_threadsafe(rename_activities(settings, post_ids), loop).result()

    return rename


def add_import_route(
    app: web.Application, settings: Settings, publisher: Publisher, metrics: CollectorMetrics
) -> None:
    async def upload(request: web.Request) -> web.Response:
        fmt = request.query.get("format") or None
        if fmt is not None and fmt not in FORMATS:
            raise Refused(
                400,
                f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)} "
                "(or none, to detect it from the header)",
            )
        source_of(request, "http")  # refused early when not UTF-8
        received_ns = now_ns()
        try:
            context = context_of(dict(request.query), received_ns)
            body = await read_body(request, settings)
            if not body.strip():
                raise Refused(400, "the body is empty: send the export file itself as the body")
            rename = renamer(settings, asyncio.get_running_loop())
            result = await asyncio.to_thread(
                import_file, body, fmt, context, received_ns, settings.max_import_cells, rename
            )
        except ImportRefused as exc:
            raise Refused(exc.status, str(exc)) from None
        if result.rows == 0:
            raise Refused(400, f"the {result.format} file has no rows under its header")
        kind = "http" if result.format == "ndjson" else f"export:{result.format}"
        source = source_of(request, kind, None if kind != "http" else "client")
        oversized = await publish_acked(publisher, result.intake, source, settings)
        result.skipped.extend(Skipped(line.number, r.field, r.reason, True) for line, r in oversized)
        dead = sum(1 for s in result.skipped if s.dead_letter)
        metrics.import_rows.labels(result.format, "imported").inc(result.rows - len(result.skipped))
        metrics.import_rows.labels(result.format, "skipped").inc(len(result.skipped) - dead)
        metrics.import_rows.labels(result.format, "dead_letter").inc(dead)
        event = context.event if context and result.format != "ndjson" else None
        status = 200 if result.intake.accepted else 422
        return web.json_response({"source": source, **result.answer(event)}, status=status)

    too_large = (
        f"file larger than {settings.max_body_bytes} bytes (SADA_MAX_BODY_BYTES); split it or raise the limit"
    )
    add_route(app, "POST", PATH, upload, Policy(too_large, bearer(settings)))
