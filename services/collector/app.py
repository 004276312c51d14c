"""The collector's HTTP API: ``POST /v1/events`` and the service routes.

Answers, in the order they are checked: 401/403 without a valid bearer token,
415 for a content type that is neither NDJSON nor JSON, 413 above
``max_body_bytes``, 400 for a body that cannot be read at all, 503 with
``Retry-After`` while Kafka does not acknowledge, 422 when every record was
rejected, otherwise 200 with the accepted count and each rejected line.
"""

from __future__ import annotations

import asyncio
import re
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from services.collector.answers import bearer_refusal, publish_acked
from services.collector.exports.endpoint import add_import_route
from services.collector.intake import JSON_TYPES, NDJSON_TYPES, BodyError, validate_body
from services.collector.publisher import Publisher
from services.collector.webhooks import add_webhook_routes
from shared.http import add_service_routes, error
from shared.settings import Settings

FIRST_LINE = re.compile(r"[0-9]{1,9}")
# The registry behind the collector's /metrics, for the parts attached later (the pollers).
METRICS_REGISTRY = web.AppKey("metrics_registry", CollectorRegistry)


class CollectorMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.records = Counter(
            "sada_collector_records", "Records received, by outcome", ["outcome"], registry=self.registry
        )
        self.rejects = Counter(
            "sada_collector_rejects", "Rejected records, by field at fault", ["field"], registry=self.registry
        )
        self.requests = Counter(
            "sada_collector_requests", "Ingest requests, by status", ["status"], registry=self.registry
        )
        self.kafka_up = Gauge(
            "sada_collector_kafka_up", "1 while Kafka acknowledges records", registry=self.registry
        )
        self.publish_seconds = Histogram(
            "sada_collector_publish_seconds",
            "Time from request to Kafka's acknowledgement",
            registry=self.registry,
        )


def create_app(settings: Settings, publisher: Publisher) -> web.Application:
    app = web.Application(client_max_size=settings.max_body_bytes)
    metrics = CollectorMetrics()
    app[METRICS_REGISTRY] = metrics.registry
    executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="sada-produce")

    def answer(response: web.Response) -> web.Response:
        metrics.requests.labels(str(response.status)).inc()
        return response

    async def ingest(request: web.Request) -> web.Response:
        refusal = bearer_refusal(request, settings)
        if refusal is not None:
            return answer(refusal)
        content_type = request.content_type
        if content_type not in NDJSON_TYPES + JSON_TYPES:
            return answer(
                error(
                    415,
                    f"unsupported content type {content_type!r}; send "
                    "application/x-ndjson (one record per line) or application/json "
                    "(an array of records)",
                )
            )
        if (request.content_length or 0) > settings.max_body_bytes:
            return answer(_too_large(settings))
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return answer(_too_large(settings))
        loop = asyncio.get_running_loop()
        source = request.headers.get("X-Sada-Source", "http")[:200]
        first_line = request.headers.get("X-Sada-First-Line", "1")
        if not FIRST_LINE.fullmatch(first_line) or int(first_line) < 1:
            return answer(error(400, "X-Sada-First-Line must be a line number from 1 to 999999999"))
        try:
            intake = await loop.run_in_executor(
                executor, partial(validate_body, body, content_type, first_line=int(first_line))
            )
        except BodyError as exc:
            return answer(error(400, str(exc)))
        if intake.total == 0:
            return answer(error(400, "the body holds no records"))
        started = time.perf_counter()
        unavailable = await publish_acked(publisher, intake, source, settings)
        metrics.kafka_up.set(0 if unavailable else 1)
        if unavailable is not None:
            return answer(unavailable)
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
        return answer(
            web.json_response({"accepted": len(intake.accepted), "rejected": rejected}, status=status)
        )

    async def produced(_: web.Request) -> web.Response:
        marks = publisher.produced().marks
        return web.json_response(
            [
                {"topic": tp.topic, "partition": tp.partition, "next_offset": mark}
                for tp, mark in sorted(marks.items())
            ]
        )

    async def close_executor(_: web.Application) -> None:
        executor.shutdown(wait=False)

    app.router.add_post("/v1/events", ingest)
    app.router.add_get("/v1/produced", produced)
    add_webhook_routes(app, settings, publisher, metrics.registry)
    add_import_route(app, settings, publisher, metrics.registry)
    app.on_cleanup.append(close_executor)
    add_service_routes(
        app,
        "collector",
        metrics.registry,
        lambda: {"kafka": publisher.available or publisher.check()},
        "services.collector",
    )
    return app


def _too_large(settings: Settings) -> web.Response:
    return error(
        413,
        f"body larger than {settings.max_body_bytes} bytes (SADA_MAX_BODY_BYTES); "
        "split it into several requests",
    )
