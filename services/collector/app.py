"""The collector's HTTP API: ``POST /v1/events`` and the service routes.

Answers, in the order they are checked: 401/403 without a valid bearer token,
400 for a non-UTF-8 ``X-Sada-Source``, 415 for a content type that is neither
NDJSON nor JSON (or a Content-Encoding sada does not decode), 413 above
``max_body_bytes``, 408 for a body that does not arrive in time, 400 for a body
that cannot be read at all, 503 with ``Retry-After`` while Kafka does not
acknowledge, 422 when every record was rejected, otherwise 200 with the accepted
count and each rejected line (a record over ``SADA_MAX_RECORD_BYTES`` among them).
Who may send, the 413 and every error answer are the middlewares' (:mod:`.middleware`).
"""

from __future__ import annotations

import asyncio
import re
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from aiohttp import web

from services.collector.answers import Refused, publish_acked, read_body, source_of
from services.collector.exports.endpoint import add_import_route
from services.collector.intake import JSON_TYPES, NDJSON_TYPES, BodyError, Intake, validate_body
from services.collector.metrics import METRICS_REGISTRY, CollectorMetrics
from services.collector.middleware import MIDDLEWARES, Policy, add_route, bearer
from services.collector.publisher import Publisher
from services.collector.webhooks.routes import add_webhook_routes
from shared.http import SHUTDOWN_TIMEOUT, add_service_routes
from shared.settings import Settings

FIRST_LINE = re.compile(r"[0-9]{1,9}")


def first_line(request: web.Request) -> int:
    value = request.headers.get("X-Sada-First-Line", "1")
    if not FIRST_LINE.fullmatch(value) or int(value) < 1:
        raise Refused(400, "X-Sada-First-Line must be a line number from 1 to 999999999")
    return int(value)


def content_type(request: web.Request) -> str:
    if request.content_type not in NDJSON_TYPES + JSON_TYPES:
        raise Refused(
            415,
            f"unsupported content type {request.content_type!r}; send "
            "application/x-ndjson (one record per line) or application/json "
            "(an array of records)",
        )
    return request.content_type


def add_ingest_route(
    app: web.Application, settings: Settings, publisher: Publisher, metrics: CollectorMetrics
) -> None:
    executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="sada-produce")

    async def validated(request: web.Request) -> Intake:
        kind = content_type(request)
        body = await read_body(request, settings)
        start = first_line(request)
        loop = asyncio.get_running_loop()
        try:
            intake = await loop.run_in_executor(
                executor, partial(validate_body, body, kind, first_line=start)
            )
        except BodyError as exc:
            raise Refused(400, str(exc)) from None
        if intake.total == 0:
            raise Refused(400, "the body holds no records")
        return intake

    async def ingest(request: web.Request) -> web.Response:
        source = source_of(request, "http")
        intake = await validated(request)
        started = time.perf_counter()
        try:
            await publish_acked(publisher, intake, source, settings)
        except Refused:
            metrics.kafka_up.set(0)
            raise
        metrics.kafka_up.set(1)
        metrics.publish_seconds.observe(time.perf_counter() - started)
        metrics.records.labels("accepted").inc(len(intake.accepted))
        metrics.records.labels("rejected").inc(len(intake.rejected))
        for _, rejection in intake.rejected:
            metrics.rejects.labels(rejection.field or "(record)").inc()
        rejected = [
            {"line": line.number, "field": rejection.field, "reason": rejection.reason}
            for line, rejection in intake.rejected
        ]
        status = 422 if not intake.accepted else 200
        return web.json_response({"accepted": len(intake.accepted), "rejected": rejected}, status=status)

    async def close_executor(_: web.Application) -> None:
        executor.shutdown(wait=False)

    too_large = (
        f"body larger than {settings.max_body_bytes} bytes (SADA_MAX_BODY_BYTES); "
        "split it into several requests"
    )

    def count(_: web.Request, status: int) -> None:
        metrics.requests.labels(str(status)).inc()

    add_route(app, "POST", "/v1/events", ingest, Policy(too_large, bearer(settings), count))
    app.on_cleanup.append(close_executor)


def create_app(settings: Settings, publisher: Publisher) -> web.Application:
    app = web.Application(client_max_size=settings.max_body_bytes, middlewares=MIDDLEWARES)
    app[SHUTDOWN_TIMEOUT] = settings.shutdown_timeout_s
    metrics = CollectorMetrics()
    app[METRICS_REGISTRY] = metrics.registry
    gate = publisher.gate
    if gate is not None:
        metrics.waiting_for_store.set_function(lambda: gate.waiting)

    async def produced(_: web.Request) -> web.Response:
        marks = publisher.produced().marks
        return web.json_response(
            [
                {"topic": tp.topic, "partition": tp.partition, "next_offset": mark}
                for tp, mark in sorted(marks.items())
            ]
        )

    add_ingest_route(app, settings, publisher, metrics)
    app.router.add_get("/v1/produced", produced)
    add_webhook_routes(app, settings, publisher, metrics)
    add_import_route(app, settings, publisher, metrics)
    add_service_routes(
        app,
        "collector",
        metrics.registry,
        lambda: {"kafka": publisher.available or publisher.check()},
        "services.collector",
        liveness=publisher.liveness,
    )
    return app
