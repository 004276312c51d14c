"""The reporter's HTTP API: summaries read straight from ClickHouse."""

from __future__ import annotations

import asyncio
import re
import time

from aiohttp import web
from clickhouse_connect.driver.exceptions import ClickHouseError
from prometheus_client import CollectorRegistry, Histogram

from services.reporter.summary import list_events, summary
from shared.events import EVENT_SLUG
from shared.http import add_service_routes, error
from shared.settings import Settings
from shared.store import Store


def create_app(settings: Settings, store: Store) -> web.Application:
    app = web.Application()
    registry = CollectorRegistry()
    latency = Histogram("sada_reporter_request_seconds", "Time to answer, by endpoint", ["endpoint"],
                        registry=registry)

    async def events(_: web.Request) -> web.Response:
        return web.json_response({"events": await asyncio.to_thread(list_events, store)})

    async def event_summary(request: web.Request) -> web.Response:
        event = request.match_info["event"]
        if not re.fullmatch(EVENT_SLUG, event):
            return error(400, f"{event!r} is not an event slug ([a-z0-9-]{{1,64}})")
        started = time.perf_counter()
        try:
            body = await asyncio.to_thread(summary, store, event, settings.top_posts)
        except ClickHouseError as exc:
            return error(503, f"the store cannot answer now: {exc}")
        latency.labels("summary").observe(time.perf_counter() - started)
        return web.json_response(body)

    def readiness() -> dict[str, bool]:
        try:
            store.query("SELECT 1")
            return {"store": True}
        except ClickHouseError:
            return {"store": False}

    app.router.add_get("/v1/events", events)
    app.router.add_get("/v1/events/{event}/summary", event_summary)
    add_service_routes(app, "reporter", registry, readiness, "services.reporter")
    return app
