"""The reporter's HTTP API: summaries, series, breakdowns, rankings, trends and
comparisons, read straight from ClickHouse.

Query parameters are checked before any query runs; a wrong one gets a 400
naming it. Times in and out are RFC 3339; ``lang`` picks the language of names.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web
from clickhouse_connect.driver.exceptions import ClickHouseError
from prometheus_client import CollectorRegistry, Histogram

from services.reporter import analytics
from services.reporter.pdf.outputs import report_handler
from services.reporter.series import BUCKETS, EVER, series
from services.reporter.summary import list_events, summary
from shared.events import EVENT_SLUG, PLATFORMS
from shared.http import add_service_routes, error
from shared.metrics import RATE_FORMULAS
from shared.registry import LANGS, Event, Registry
from shared.settings import Settings
from shared.store import Store


class BadParameter(ValueError):
    def __init__(self, name: str, message: str):
        super().__init__(f"{name}: {message}")


def _text(
    request: web.Request, name: str, default: str | None = None, choices: tuple[str, ...] | None = None
) -> str | None:
    value = request.query.get(name, default)
    if value is not None and choices is not None and value not in choices:
        raise BadParameter(name, f"{value!r} is not one of {', '.join(choices)}")
    return value


def _number(
    request: web.Request, name: str, default: float, low: float, high: float, kind: type = int
) -> Any:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise BadParameter(name, f"{raw!r} is not a number") from None
    if not low <= value <= high:
        raise BadParameter(name, f"must be between {low:g} and {high:g}")
    return value


def _moment(request: web.Request, name: str) -> datetime | None:
    raw = request.query.get(name)
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise BadParameter(name, f"{raw!r} is not an RFC 3339 time") from None
    if moment.tzinfo is None:
        raise BadParameter(name, "needs a UTC offset (Z or +hh:mm)")
    return moment.astimezone(UTC)


def _window(request: web.Request) -> tuple[datetime, datetime] | None:
    start, end = _moment(request, "from"), _moment(request, "to")
    if start is None and end is None:
        return None
    window = (start or EVER[0], end or EVER[1])
    if window[1] <= window[0]:
        raise BadParameter("to", "must come after from")
    return window


def _platform(request: web.Request) -> str | None:
    value = _text(request, "platform", choices=PLATFORMS)
    return value


def create_app(settings: Settings, store: Store, registry: Registry | None = None) -> web.Application:
    registry = registry or Registry()
    app = web.Application()
    metrics = CollectorRegistry()
    latency = Histogram(
        "sada_reporter_request_seconds", "Time to answer, by endpoint", ["endpoint"], registry=metrics
    )

    def endpoint(
        name: str, answer: Callable[[web.Request, Event], Any]
    ) -> Callable[[web.Request], Awaitable[web.Response]]:
        """Validate the event slug, run ``answer`` off the event loop, time it, map errors."""

        async def handle(request: web.Request) -> web.Response:
            slug = request.match_info["event"]
            if not re.fullmatch(EVENT_SLUG, slug):
                return error(400, f"{slug!r} is not an event slug ([a-z0-9-]{{1,64}})")
            started = time.perf_counter()
            try:
                body = await asyncio.to_thread(answer, request, registry.get(slug))
            except BadParameter as exc:
                return error(400, str(exc))
            except ClickHouseError as exc:
                return error(503, f"the store cannot answer now: {exc}")
            latency.labels(name).observe(time.perf_counter() - started)
            return web.json_response(body)

        return handle

    def event_info(request: web.Request, event: Event) -> dict[str, Any]:
        lang = _text(request, "lang", "en", LANGS)
        return {
            "slug": event.slug,
            "name": event.name(lang),
            "names": event.names,
            "timezone": event.timezone,
            "start": event.start.isoformat() if event.start else None,
            "end": event.end.isoformat() if event.end else None,
            "hashtags": event.hashtags,
            "previous": event.previous,
            "registered": event.slug in registry.events,
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

    def event_summary(_: web.Request, event: Event) -> dict[str, Any]:
        return summary(store, event.slug, settings.top_posts)

    def event_series(request: web.Request, event: Event) -> dict[str, Any]:
        bucket = _text(request, "bucket", "hour", BUCKETS)
        zone_name = _text(request, "tz", event.timezone)
        try:
            zone = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise BadParameter("tz", f"unknown IANA time zone {zone_name!r}") from None
        rows = series(store, event.slug, bucket, zone, _platform(request), _window(request) or EVER)
        return {
            "event": event.slug,
            "bucket": bucket,
            "tz": zone.key,
            "series": rows,
            "formulas": RATE_FORMULAS,
        }

    def event_breakdown(request: web.Request, event: Event) -> dict[str, Any]:
        dimension = request.match_info["dimension"]
        if dimension not in analytics.DIMENSIONS:
            raise BadParameter("dimension", f"{dimension!r} is not one of {', '.join(analytics.DIMENSIONS)}")
        rows = analytics.breakdown(
            store,
            event,
            dimension,
            _platform(request),
            _window(request),
            _number(request, "limit", 100, 1, 10_000),
            _text(request, "lang", "en", LANGS),
        )
        return {"event": event.slug, "dimension": dimension, "rows": rows, "formulas": RATE_FORMULAS}

    def event_top_posts(request: web.Request, event: Event) -> dict[str, Any]:
        by = _text(request, "by", "engagements", analytics.RANKINGS)
        floor = _number(request, "min_impressions", 100, 0, 10**12)
        posts = analytics.top_posts(
            store, event.slug, by, _number(request, "limit", 10, 1, 1_000), floor, _platform(request)
        )
        return {
            "event": event.slug,
            "by": by,
            "min_impressions": floor if by == "rate" else None,
            "posts": posts,
            "formulas": RATE_FORMULAS,
        }

    def event_mentions(request: web.Request, event: Event) -> dict[str, Any]:
        dimension = request.match_info["dimension"]
        if dimension not in analytics.MENTION_DIMENSIONS:
            raise BadParameter(
                "dimension", f"{dimension!r} is not one of {', '.join(analytics.MENTION_DIMENSIONS)}"
            )
        return {
            "event": event.slug,
            "dimension": dimension,
            "rows": analytics.mention_breakdown(
                store, event.slug, dimension, _number(request, "limit", 100, 1, 10_000)
            ),
        }

    def event_trends(request: web.Request, event: Event) -> dict[str, Any]:
        return analytics.trends(
            store,
            event.slug,
            _moment(request, "at") or datetime.now(UTC),
            _number(request, "window", 15, 1, 1440) * 60,
            _number(request, "baseline", 180, 1, 10_080) * 60,
            _number(request, "threshold", 3.0, 1.0, 1000.0, float),
            _number(request, "min_count", 10, 0, 10**9),
            _number(request, "limit", 10, 1, 1000),
        )

    def event_compare(request: web.Request, event: Event) -> dict[str, Any]:
        other = _text(request, "with", event.previous)
        if other is None:
            raise BadParameter(
                "with",
                f"name the event to compare with; {event.slug!r} has no previous edition in the registry",
            )
        if not re.fullmatch(EVENT_SLUG, other) or other == event.slug:
            raise BadParameter("with", f"{other!r} is not another event's slug")
        return analytics.compare(store, event, registry.get(other))

    async def events(_: web.Request) -> web.Response:
        try:
            stored = await asyncio.to_thread(list_events, store)
        except ClickHouseError as exc:
            return error(503, f"the store cannot answer now: {exc}")
        return web.json_response({"events": sorted(set(stored) | set(registry.events))})

    def readiness() -> dict[str, bool]:
        try:
            store.query("SELECT 1")
            return {"store": True}
        except ClickHouseError:
            return {"store": False}

    app.router.add_get("/v1/events", events)
    for path, name, answer in (
        ("", "event", event_info),
        ("/summary", "summary", event_summary),
        ("/series", "series", event_series),
        ("/breakdown/{dimension}", "breakdown", event_breakdown),
        ("/top-posts", "top-posts", event_top_posts),
        ("/mentions/{dimension}", "mentions", event_mentions),
        ("/trends", "trends", event_trends),
        ("/compare", "compare", event_compare),
    ):
        app.router.add_get(f"/v1/events/{{event}}{path}", endpoint(name, answer))
    # the PDF campaign report (services/reporter/pdf): ?lang=ar|fr|en&digits=latin|arabic
    app.router.add_get(
        "/v1/events/{event}/report.pdf",
        report_handler(store, registry, settings, latency.labels("report.pdf").observe),
    )
    add_service_routes(app, "reporter", metrics, readiness, "services.reporter")
    if (
        settings.grafana_url
    ):  # dashboards and spike alerts into Grafana at start (services/reporter/dashboards)
        from services.reporter.dashboards.publish import publish_in_background

        app.on_startup.append(publish_in_background(settings, store, registry))
    return app
