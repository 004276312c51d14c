"""The reporter's HTTP API: summaries, series, breakdowns, rankings, trends, comparisons and
the PDF report, read straight from ClickHouse.

Query parameters are checked before any query runs (``params``); a wrong one gets a 400
naming it. Times in and out are RFC 3339; ``lang`` picks the language of names. Every
route under ``/v1/events/{event}`` is one answer in :data:`ROUTES`, served by one
:func:`endpoint` wrapper. With ``SADA_REPORTER_TOKENS`` set, a middleware (``auth``) asks
for a read token; PDF renders take turns (``renders``). The live page (``/live/``, ``live/``) is a
shell whose script reads ``/v1/events/{event}/live``.

In distributed mode the reporter starts before the schema may be there: with a ``schema``
gate (``shared/schema_gate.py``) every route answers 503 naming ``sada migrate`` until it
is, and ``/readyz`` says ``"schema": false``. ``/readyz`` asks ClickHouse on a client and a
thread of its own (``shared.store.Ping``, ``shared/http.py``), so it never queues behind the
report queries, which share the store's client and the loop's default executor.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any
from zoneinfo import available_timezones

from aiohttp import web
from clickhouse_connect.driver.exceptions import ClickHouseError
from prometheus_client import CollectorRegistry, Histogram

from services.reporter import analytics, params
from services.reporter.auth import read_tokens
from services.reporter.live.model import live_figures
from services.reporter.live.page import add_live_routes
from services.reporter.params import BadParameter
from services.reporter.provenance import UnknownPost, event_sources, post_provenance
from services.reporter.renders import RenderSlots
from services.reporter.series import BUCKETS, EVER, series
from services.reporter.summary import list_events, summary
from shared.events import EVENT_SLUG, PLATFORMS
from shared.extras import MissingExtra
from shared.http import add_service_routes, error
from shared.metrics import RATE_FORMULAS
from shared.registry import LANGS, Event, Registry
from shared.schema_gate import SchemaGate
from shared.settings import Settings
from shared.store import Ping, Store, StoreUnavailable


@dataclass(frozen=True)
class Reporter:
    """What every answer reads: the settings, the store and the event registry."""

    settings: Settings
    store: Store
    registry: Registry
    schema: SchemaGate | None = None

    def not_ready(self) -> web.Response | None:
        """The 503 answered while the schema is not there yet (distributed mode)."""
        if self.schema is None or self.schema.ready:
            return None
        return error(503, self.schema.waiting())

    @cached_property
    def zones(self) -> frozenset[str]:
        """The IANA zones both Python and the store know, asked once (ClickHouse cannot load
        ``right/…``, ``posix/…`` or ``localtime``; its tz database may be older or newer)."""
        stored = self.store.query("SELECT time_zone FROM system.time_zones")
        return frozenset(row["time_zone"] for row in stored) & available_timezones()


Answer = Callable[[Reporter, web.Request, Event], Any]


def event_info(r: Reporter, request: web.Request, event: Event) -> dict[str, Any]:
    lang = params.choice(request, "lang", "en", LANGS)
    return {
        "slug": event.slug,
        "name": event.name(lang),
        "names": event.names,
        "timezone": event.timezone,
        "start": event.start.isoformat() if event.start else None,
        "end": event.end.isoformat() if event.end else None,
        "hashtags": event.hashtags,
        "previous": event.previous,
        "registered": event.slug in r.registry.events,
        "agenda": [
            {
                "id": s.id,
                "title": s.title(lang),
                "start": s.start.isoformat(),
                "end": s.end.isoformat(),
                "room": s.room,
                "speakers": s.speakers,
            }
            for s in event.agenda
        ],
    }


def event_summary(r: Reporter, _: web.Request, event: Event) -> dict[str, Any]:
    return summary(r.store, event.slug, r.settings.top_posts)


def event_series(r: Reporter, request: web.Request, event: Event) -> dict[str, Any]:
    bucket = params.choice(request, "bucket", "hour", BUCKETS)
    zone = params.zone(request, "tz", event.timezone, r.zones)
    rows = series(r.store, event.slug, bucket, zone, params.platform(request), params.window(request) or EVER)
    return {"event": event.slug, "bucket": bucket, "tz": zone.key, "series": rows, "formulas": RATE_FORMULAS}


def event_breakdown(r: Reporter, request: web.Request, event: Event) -> dict[str, Any]:
    dimension = request.match_info["dimension"]
    if dimension not in analytics.DIMENSIONS:
        raise BadParameter("dimension", f"{dimension!r} is not one of {', '.join(analytics.DIMENSIONS)}")
    rows = analytics.breakdown(
        r.store,
        event,
        dimension,
        params.platform(request),
        params.window(request),
        params.number(request, "limit", 100, 1, 10_000),
        params.choice(request, "lang", "en", LANGS),
    )
    return {"event": event.slug, "dimension": dimension, "rows": rows, "formulas": RATE_FORMULAS}


def event_top_posts(r: Reporter, request: web.Request, event: Event) -> dict[str, Any]:
    by = params.choice(request, "by", "engagements", analytics.RANKINGS)
    floor = params.number(request, "min_impressions", 100, 0, 10**12)
    limit = params.number(request, "limit", 10, 1, 1_000)
    posts = analytics.top_posts(r.store, event.slug, by, limit, floor, params.platform(request))
    return {
        "event": event.slug,
        "by": by,
        "min_impressions": floor if by == "rate" else None,
        "posts": posts,
        "formulas": RATE_FORMULAS,
    }


def event_mentions(r: Reporter, request: web.Request, event: Event) -> dict[str, Any]:
    dimension = request.match_info["dimension"]
    if dimension not in analytics.MENTION_DIMENSIONS:
        raise BadParameter(
            "dimension", f"{dimension!r} is not one of {', '.join(analytics.MENTION_DIMENSIONS)}"
        )
    limit = params.number(request, "limit", 100, 1, 10_000)
    return {
        "event": event.slug,
        "dimension": dimension,
        "rows": analytics.mention_breakdown(r.store, event.slug, dimension, limit),
    }


def event_trends(r: Reporter, request: web.Request, event: Event) -> dict[str, Any]:
    return analytics.trends(
        r.store,
        event.slug,
        params.moment(request, "at") or datetime.now(UTC),
        params.number(request, "window", 15, 1, 1440) * 60,
        params.number(request, "baseline", 180, 1, 10_080) * 60,
        params.number(request, "threshold", 3.0, 1.0, 1000.0, float),
        params.number(request, "min_count", 10, 0, 10**9),
        params.number(request, "limit", 10, 1, 1000),
    )


def event_compare(r: Reporter, request: web.Request, event: Event) -> dict[str, Any]:
    other = params.text(request, "with", event.previous)
    if other is None:
        raise BadParameter(
            "with",
            f"name the event to compare with; {event.slug!r} has no previous edition in the registry",
        )
    if not re.fullmatch(EVENT_SLUG, other) or other == event.slug:
        raise BadParameter("with", f"{other!r} is not another event's slug")
    return analytics.compare(r.store, event, r.registry.get(other))


def event_record_sources(r: Reporter, _: web.Request, event: Event) -> dict[str, Any]:
    """Which sources fed the event's figures (services/reporter/provenance)."""
    return {"event": event.slug, "sources": [s.as_json() for s in event_sources(r.store, event.slug)]}


def event_post(r: Reporter, request: web.Request, event: Event) -> dict[str, Any]:
    """One post's fields and figures, each with where and when it came from."""
    platform = request.match_info["platform"]
    if platform not in PLATFORMS:
        raise BadParameter("platform", f"{platform!r} is not one of {', '.join(PLATFORMS)}")
    return post_provenance(r.store, event.slug, platform, request.match_info["post_id"])


def event_report(r: Reporter, request: web.Request, event: Event) -> web.Response:
    """The PDF campaign report (services/reporter/pdf): ``?lang=ar|fr|en&digits=latin|arabic``."""
    from services.reporter.pdf import render_report

    lang = params.choice(request, "lang", "en", LANGS)
    digits = params.choice(request, "digits", "latin", ("latin", "arabic"))
    previous = r.registry.get(event.previous) if event.previous else None
    pdf = render_report(
        r.store,
        event,
        lang,
        previous,
        logo=r.settings.report_logo,
        arabic_digits=digits == "arabic",
        pictures=r.settings.pictures_dir(),
    )
    return web.Response(
        body=pdf,
        content_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="report-{event.slug}-{lang}.pdf"'},
    )


# path under /v1/events/{event}, the endpoint's name (its latency label), the answer
ROUTES: tuple[tuple[str, str, Answer], ...] = (
    ("", "event", event_info),
    ("/summary", "summary", event_summary),
    ("/series", "series", event_series),
    ("/breakdown/{dimension}", "breakdown", event_breakdown),
    ("/top-posts", "top-posts", event_top_posts),
    ("/mentions/{dimension}", "mentions", event_mentions),
    ("/trends", "trends", event_trends),
    ("/compare", "compare", event_compare),
    ("/sources", "sources", event_record_sources),
    ("/posts/{platform}/{post_id}", "post", event_post),
    ("/report.pdf", "report.pdf", event_report),
    ("/live", "live", live_figures),
)


def endpoint(
    reporter: Reporter,
    answer: Answer,
    latency: Histogram,
    name: str,
    turn: Callable[[], AbstractAsyncContextManager[None]] = nullcontext,
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Validate the event slug, run ``answer`` off the event loop once it is its ``turn``,
    time it, map errors; a dict answer is sent as JSON."""

    async def handle(request: web.Request) -> web.Response:
        slug = request.match_info["event"]
        if not re.fullmatch(EVENT_SLUG, slug):
            return error(400, f"{slug!r} is not an event slug ([a-z0-9-]{{1,64}})")
        if (waiting := reporter.not_ready()) is not None:
            return waiting
        started = time.perf_counter()
        try:
            async with turn():
                body = await asyncio.to_thread(answer, reporter, request, reporter.registry.get(slug))
        except BadParameter as exc:
            return error(400, str(exc))
        except UnknownPost as exc:
            return error(404, str(exc))
        except (ClickHouseError, StoreUnavailable) as exc:
            return error(503, f"the store cannot answer now: {exc}")
        except MissingExtra as exc:
            return error(501, str(exc))
        latency.labels(name).observe(time.perf_counter() - started)
        return body if isinstance(body, web.Response) else web.json_response(body)

    return handle


def create_app(
    settings: Settings, store: Store, registry: Registry | None = None, schema: SchemaGate | None = None
) -> web.Application:
    reporter = Reporter(settings, store, registry or Registry(), schema)
    authenticate = read_tokens(settings.reporter_tokens)
    app = web.Application(middlewares=[authenticate] if authenticate else [])
    metrics = CollectorRegistry()
    latency = Histogram(
        "sada_reporter_request_seconds", "Time to answer, by endpoint", ["endpoint"], registry=metrics
    )
    renders = RenderSlots(settings.max_pdf_renders, metrics)

    async def events(_: web.Request) -> web.Response:
        if (waiting := reporter.not_ready()) is not None:
            return waiting
        try:
            stored = await asyncio.to_thread(list_events, store)
        except (ClickHouseError, StoreUnavailable) as exc:
            return error(503, f"the store cannot answer now: {exc}")
        return web.json_response({"events": sorted(set(stored) | set(reporter.registry.events))})

    ping = Ping(settings)

    def readiness() -> dict[str, bool]:
        checks = {"store": ping()}
        return checks if schema is None else {"schema": schema.ready, **checks}

    app.router.add_get("/v1/events", events)
    for path, name, answer in ROUTES:
        turn = renders.slot if answer is event_report else nullcontext
        app.router.add_get(f"/v1/events/{{event}}{path}", endpoint(reporter, answer, latency, name, turn))
    add_live_routes(app, reporter.registry)
    add_service_routes(app, "reporter", metrics, readiness, "services.reporter")
    if (
        settings.grafana_url
    ):  # dashboards and spike alerts into Grafana at start (services/reporter/dashboards)
        from services.reporter.dashboards.publish import publish_in_background

        # distributed mode starts before the schema may be there: the registry's events only
        readable = store if schema is None else None
        app.on_startup.append(publish_in_background(settings, readable, reporter.registry))
    return app
