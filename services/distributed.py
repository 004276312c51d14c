"""Distributed mode: one service per process (``sada collector|aggregator|reporter``), on a Kafka
cluster and a ClickHouse server named by the settings. Local mode (``services/local.py``) runs the
same applications: the aggregator and the reporter in one process, the collector in a child.

Here the services never migrate: ``sada migrate`` does, once (a Kubernetes Job). The aggregator
and the reporter serve their probes at once and wait for the schema versions they need
(``shared/schema_gate.py``); then they connect, and the aggregator starts consuming."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial

from aiohttp import web

from services.signals import until_interrupted
from shared import heap
from shared.http import start_site
from shared.progress import say
from shared.registry import load_registry
from shared.schema_gate import SchemaGate
from shared.settings import Settings
from shared.store import Store, connect

Site = tuple[web.Application, str, int]  # the application, its host and its port


def _collector(settings: Settings) -> Site:
    from services.collector.app import create_app
    from services.collector.pollers.service import attach_pollers
    from services.collector.publisher import Publisher

    publisher = Publisher(settings)
    app = create_app(settings, publisher)
    attach_pollers(app, settings, load_registry(settings.events_file), publisher)
    return app, settings.collector_host, settings.collector_port


def _aggregator(settings: Settings) -> Site:
    from services.aggregator.service import Aggregator, create_app

    store, schema = Store(), SchemaGate(settings, "aggregator")
    aggregator = Aggregator(settings, store)
    app = create_app(aggregator, schema)

    def start() -> None:
        writer = partial(connect, settings, create=False, writer=True)
        store.attach(writer(), more_clients=writer)
        aggregator.start()

    schema.attach(app, start)
    app.on_cleanup.append(lambda _: asyncio.to_thread(aggregator.close))
    return app, settings.aggregator_host, settings.aggregator_port


def _reporter(settings: Settings) -> Site:
    from services.reporter.app import create_app

    store, schema = Store(), SchemaGate(settings, "reporter")
    app = create_app(settings, store, load_registry(settings.events_file), schema)
    reads = partial(connect, settings, create=False)
    schema.attach(app, lambda: store.attach(reads(), more_clients=reads))
    return app, settings.reporter_host, settings.reporter_port


SERVICES: dict[str, Callable[[Settings], Site]] = {
    "collector": _collector,
    "aggregator": _aggregator,
    "reporter": _reporter,
}


async def serve(settings: Settings, name: str) -> int:
    """Serve the service ``name`` until Ctrl-C or SIGTERM; 2 when a setting it needs is missing."""
    if name != "reporter":
        if not settings.kafka_bootstrap:
            say(f"sada {name}: set SADA_KAFKA_BOOTSTRAP (host:port,…); `sada up` runs local mode")
            return 2
        from shared.bus import ensure_topics

        await asyncio.to_thread(ensure_topics, settings)
    if name == "collector" and not settings.ingest_tokens:
        say("sada collector: set SADA_INGEST_TOKENS (comma-separated); without one nobody could ingest")
        return 2
    runner, url = await start_site(*SERVICES[name](settings))
    say(f"sada {name}: serving on {url}")
    heap.freeze_start_up()
    try:
        await until_interrupted()
    finally:
        heap.thaw()
        await runner.cleanup()
    return 0
