"""Local (embedded) mode: a Tansu broker as a child process, the three services
in this process, ClickHouse embedded through chDB.

chDB allows one process per data directory, which is why local mode runs the
services together; distributed mode runs the same classes one per process.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from dataclasses import dataclass, field

from aiohttp import web
from pydantic import SecretStr

from services.aggregator.service import Aggregator
from services.aggregator.service import create_app as aggregator_app
from services.collector.app import create_app as collector_app
from services.collector.publisher import Publisher
from services.reporter.app import create_app as reporter_app
from shared import bus
from shared.http import start_site
from shared.progress import Progress
from shared.registry import Registry
from shared.settings import Settings
from shared.store import Store, connect, open_store

log = logging.getLogger("sada.local")


@dataclass
class LocalMode:
    settings: Settings
    registry: Registry = field(default_factory=Registry)
    broker: bus.LocalBroker | None = None
    publisher: Publisher | None = None
    aggregator: Aggregator | None = None
    reporter_store: Store | None = None
    token: str = ""
    collect: bool = False  # run the configured platform pollers (services/collector/pollers)
    urls: dict[str, str] = field(default_factory=dict)
    _runners: list[web.AppRunner] = field(default_factory=list)

    async def start(self) -> LocalMode:
        settings = self.settings
        if not settings.kafka_bootstrap:
            self.broker = await asyncio.to_thread(bus.LocalBroker(settings.local_broker_port).start)
            settings = settings.model_copy(update={"kafka_bootstrap": self.broker.bootstrap})
        if not settings.ingest_tokens:
            self.token = secrets.token_urlsafe(24)
            settings = settings.model_copy(update={"ingest_tokens": [SecretStr(self.token)]})
        else:
            self.token = settings.ingest_tokens[0].get_secret_value()
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(bus.ensure_topics, settings)
        self.reporter_store = open_store(settings)
        self.publisher = Publisher(settings)
        self.aggregator = Aggregator(settings, Store(connect(settings))).start()
        collector = collector_app(settings, self.publisher)
        if self.collect:
            from services.collector.pollers.service import attach_pollers

            attach_pollers(collector, settings, self.registry, self.publisher)
        for name, app, host, port in (
            ("collector", collector, settings.collector_host, settings.collector_port),
            (
                "aggregator",
                aggregator_app(self.aggregator),
                settings.aggregator_host,
                settings.aggregator_port,
            ),
            (
                "reporter",
                reporter_app(settings, self.reporter_store, self.registry),
                settings.reporter_host,
                settings.reporter_port,
            ),
        ):
            runner, url = await start_site(app, host, port)
            self._runners.append(runner)
            self.urls[name] = url
        return self

    async def drain(self, timeout_s: float = 300.0, progress: Progress = lambda _: None) -> None:
        """Wait until the aggregator has stored and committed everything the collector produced."""
        assert self.publisher is not None
        target = self.publisher.produced()
        deadline = time.monotonic() + timeout_s
        admin = await asyncio.to_thread(bus.admin_client, self.settings)
        try:
            while True:
                committed = await asyncio.to_thread(bus.committed_offsets, self.settings, None, admin)
                lag = target.lag(committed)
                if lag == 0:
                    return
                progress(f"waiting for the aggregator: {lag} records still to store")
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"{lag} records were not stored within {timeout_s:.0f} s; "
                        f"aggregator: {self.aggregator.last_error or 'no error reported'}"
                    )
                await asyncio.sleep(0.2)
        finally:
            admin.close()

    async def stop(self) -> None:
        for runner in reversed(self._runners):
            await runner.cleanup()
        self._runners.clear()
        if self.aggregator is not None:
            await asyncio.to_thread(self.aggregator.close)
        if self.publisher is not None:
            self.publisher.close()
        if self.broker is not None:
            self.broker.stop()
