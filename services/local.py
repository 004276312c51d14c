"""Local (embedded) mode: a Tansu broker as a child process, the collector's HTTP app in a
child process of its own (:mod:`services.collector.process`), the aggregator and the reporter
in this process, ClickHouse embedded through chDB.

chDB allows one process per data directory, which is why the aggregator and the reporter run
together; the collector needs no store, and in its own process it no longer shares their GIL.
Distributed mode runs the same classes one per process. :func:`local_mode` is how ``sada up``,
``sada run`` and ``sada demo`` start and stop it.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import shutil
import tempfile
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TypeVar

import aiohttp
from aiohttp import web
from kafka.errors import KafkaError
from pydantic import SecretStr

from services.aggregator.service import Aggregator
from services.aggregator.service import create_app as aggregator_app
from services.collector.process import CollectorProcess
from services.collector.publisher import Publisher, StoredGate
from services.reporter.app import create_app as reporter_app
from shared import bus, heap
from shared.http import start_site
from shared.progress import Progress, say
from shared.registry import Registry
from shared.settings import KafkaSecurity, Settings
from shared.store import Store, connect, open_store

T = TypeVar("T")
BLOCKING_THREADS = 64  # the reporter's queries, the drain and the broker's start run on them
log = logging.getLogger("sada.local")

SUPERVISE_EVERY_S = 0.5  # how often the supervisors look at the consumer thread, the collector


@dataclass
class LocalMode:
    settings: Settings
    registry: Registry = field(default_factory=Registry)
    broker: bus.LocalBroker | None = None
    token: str = ""
    token_generated: bool = False  # no SADA_INGEST_TOKENS: ``token`` is this run's own
    collect: bool = False  # run the configured platform pollers (services/collector/pollers)
    urls: dict[str, str] = field(default_factory=dict)
    _publisher: Publisher | None = field(default=None, init=False, repr=False)
    _collector: CollectorProcess | None = field(default=None, init=False, repr=False)
    _aggregator: Aggregator | None = field(default=None, init=False, repr=False)
    _reporter_store: Store | None = field(default=None, init=False, repr=False)
    _runners: list[web.AppRunner] = field(default_factory=list, init=False, repr=False)
    _supervisor: asyncio.Task[None] | None = field(default=None, init=False, repr=False)
    _collector_watch: asyncio.Task[None] | None = field(default=None, init=False, repr=False)
    _broker_watch: asyncio.Task[None] | None = field(default=None, init=False, repr=False)

    @property
    def publisher(self) -> Publisher:
        """This process's own Publisher, for records produced here (``sada run --collect``'s
        pass, tests); HTTP clients reach the collector's process (:attr:`collector`)."""
        return _started(self._publisher)

    @property
    def collector(self) -> CollectorProcess:
        return _started(self._collector)

    @property
    def aggregator(self) -> Aggregator:
        return _started(self._aggregator)

    @property
    def reporter_store(self) -> Store:
        return _started(self._reporter_store)

    async def start(self) -> LocalMode:
        settings = self.settings
        if not settings.kafka_bootstrap:
            # First: the broker dies with the thread that started it (PR_SET_PDEATHSIG), so it must
            # be started from a thread of the executor that lives as long as local mode.
            asyncio.get_running_loop().set_default_executor(
                ThreadPoolExecutor(BLOCKING_THREADS, thread_name_prefix="sada-blocking")
            )
            self.broker = await asyncio.to_thread(bus.LocalBroker(settings.local_broker_port).start)
            # its own broker is plaintext on 127.0.0.1, whatever SADA_KAFKA_SECURITY_* say
            settings = settings.model_copy(
                update={"kafka_bootstrap": self.broker.bootstrap, "kafka_security": KafkaSecurity.plaintext()}
            )
        self.token_generated = not settings.ingest_tokens
        if self.token_generated:
            self.token = secrets.token_urlsafe(24)
            settings = settings.model_copy(update={"ingest_tokens": [SecretStr(self.token)]})
        else:
            self.token = settings.ingest_tokens[0].get_secret_value()
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(bus.ensure_topics, settings)
        # The embedded broker keeps nothing across a crash, so a 2xx waits for the store.
        gate = StoredGate(settings.local_stored_wait_s) if self.broker is not None else None
        self._publisher = Publisher(settings, gate)
        # spawned from this (the loop's) thread, which lives as long as local mode; it imports
        # while this process migrates the store
        self._collector = CollectorProcess(settings, self.registry, self.collect, gate)
        self._collector.spawn()
        try:
            self._reporter_store = open_store(settings, migrating=True)  # local mode migrates at start
            self._aggregator = self.new_aggregator().start()
            self._supervisor = asyncio.create_task(self._supervise())
            if gate is not None:
                self._broker_watch = asyncio.create_task(self._supervise_broker(gate))
            self.urls["collector"] = await self._collector.ready()
        except BaseException:
            await self.stop()  # no child process, broker or consumer thread left behind
            raise
        self._collector_watch = asyncio.create_task(self._supervise_collector())
        for name, app, host, port in (
            (
                "aggregator",
                aggregator_app(self._aggregator),
                settings.aggregator_host,
                settings.aggregator_port,
            ),
            (
                "reporter",
                reporter_app(settings, self._reporter_store, self.registry),
                settings.reporter_host,
                settings.reporter_port,
            ),
        ):
            runner, url = await start_site(app, host, port)
            self._runners.append(runner)
            self.urls[name] = url
        heap.freeze_start_up()
        return self

    async def _supervise(self) -> None:
        """Start the aggregator's consumer again whenever its thread dies (local mode has no
        orchestrator to restart it), after a delay that doubles while it keeps dying soon."""
        backoff = Backoff(self.settings)
        while True:
            await asyncio.sleep(SUPERVISE_EVERY_S)
            if not self.aggregator.died():
                continue
            delay = backoff.next()
            log.error("the aggregator's consumer thread died; starting it again in %.1f s", delay)
            await asyncio.sleep(delay)
            try:
                await asyncio.to_thread(self.aggregator.restart)
            except Exception:  # e.g. the broker is unreachable: logged, tried again after the next delay
                log.exception("starting the aggregator's consumer again failed")
            backoff.restarted()

    async def _supervise_collector(self) -> None:
        """Start the collector's process again, on the same port, whenever it dies (POSTs it held
        got no answer, so their clients send again), after the aggregator's doubling delays."""
        backoff, collector = Backoff(self.settings), self.collector
        while True:
            await asyncio.sleep(SUPERVISE_EVERY_S)
            if collector.alive():
                continue
            delay = backoff.next()
            log.error(
                "the collector process died (exit code %s); starting it again in %.1f s",
                collector.exitcode(),
                delay,
            )
            await asyncio.sleep(delay)
            try:
                await collector.start()
            except RuntimeError as exc:  # e.g. its port was taken meanwhile: tried again after the next delay
                log.error("starting the collector process again failed: %s", exc)
            backoff.restarted()

    def announce(self) -> None:
        """The services' URLs and where the ingest token comes from, for people."""
        for name, url in self.urls.items():
            say(f"  {name:<10} {url}")
        if "reporter" in self.urls:
            say(f"  live page  {self.urls['reporter']}/live/ (one page per event, no Grafana needed)")
        if self.token_generated:
            say(
                f"  ingest token (generated for this run; set SADA_INGEST_TOKENS to choose one): {self.token}"
            )
        else:
            say("  ingest token: the one in SADA_INGEST_TOKENS")

    async def drain(self, timeout_s: float = 300.0, progress: Progress = lambda _: None) -> None:
        """Wait until the aggregator has stored and committed everything the collector produced."""
        deadline = time.monotonic() + timeout_s
        target = await self._produced(deadline)
        admin = await asyncio.to_thread(bus.admin_client, self.settings)
        try:
            while True:
                group = self.aggregator.current_group
                committed = await asyncio.to_thread(bus.committed_offsets, self.settings, group, admin)
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

    async def _produced(self, deadline: float) -> bus.Offsets:
        """What the collector's process and this process's publisher had Kafka acknowledge
        (a collector being restarted is waited for until ``deadline``)."""
        marks = dict(self.publisher.produced().marks)
        async with aiohttp.ClientSession() as session:
            while True:
                try:
                    theirs = await self.collector.produced(session)
                    break
                except aiohttp.ClientError as exc:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"the collector process did not answer: {exc}") from exc
                    await asyncio.sleep(0.2)
        for tp, mark in theirs.marks.items():
            marks[tp] = max(marks.get(tp, 0), mark)
        return bus.Offsets(marks)

    def new_aggregator(self) -> Aggregator:
        """The aggregator (not started); in local mode with its own broker it reports what it
        stores to the publisher's gate, which the collector's process mirrors (a dead consumer
        is started again by :meth:`_supervise`)."""
        writer = partial(connect, self.settings, create=False, writer=True)
        aggregator = Aggregator(self.settings, Store(writer(), more_clients=writer))
        gate, collector = self.publisher.gate, self.collector
        if gate is not None:

            def stored(generation: int, offsets: dict) -> None:
                gate.stored(generation, offsets)
                collector.notify()

            aggregator.on_stored = stored
        return aggregator

    async def _supervise_broker(self, gate: StoredGate) -> None:
        """Restart the embedded broker when it dies, on the same port, with its topics. The gate
        is told at once (what the dead one acknowledged and was not stored is lost), and the
        aggregator, which lets go of its consumer at once and joins the new broker's group once
        it is up, its topics re-created."""
        broker = _started(self.broker)
        while True:
            await asyncio.sleep(self.settings.local_broker_check_ms / 1000)
            if broker.alive():
                continue
            generation = gate.broker_lost()
            self.publisher.broker_restarted()
            self.collector.broker_restarted()
            self.aggregator.broker_lost()
            log.warning(
                "the local Kafka broker died (code %s); restarting it",
                broker.process and broker.process.returncode,
            )
            try:
                await asyncio.to_thread(broker.start)
                await asyncio.to_thread(bus.ensure_topics, self.settings)
            except (RuntimeError, KafkaError) as exc:
                log.error("the local Kafka broker did not restart: %s; trying again", exc)
                broker.stop()
                continue
            self.publisher.topics_ready()
            self.collector.topics_ready()
            self.aggregator.broker_restarted(generation)
            log.warning("the local Kafka broker is back on %s", broker.bootstrap)

    async def stop(self) -> None:
        for task in (self._supervisor, self._broker_watch, self._collector_watch):
            if task is not None:
                task.cancel()
        if self._collector is not None:
            # first: POSTs in flight may still need the aggregator to store their records
            await self._collector.stop()
        for runner in reversed(self._runners):
            await runner.cleanup()
        self._runners.clear()
        if self._aggregator is not None:
            await asyncio.to_thread(self._aggregator.close)
        if self._publisher is not None:
            self._publisher.close()
        if self.broker is not None:
            self.broker.stop()
        heap.thaw()


class Backoff:
    """The supervisors' delays before a restart: the initial one, doubling while the part keeps
    dying soon after, up to the ceiling; after that long alive, a death starts again from the
    initial delay (SADA_AGGREGATOR_RESTART_INITIAL_S, SADA_AGGREGATOR_RESTART_MAX_S)."""

    def __init__(self, settings: Settings):
        self.initial = settings.aggregator_restart_initial_s
        self.ceiling = settings.aggregator_restart_max_s
        self.delay, self.restarted_at = self.initial, 0.0

    def next(self) -> float:
        """The delay before the restart of a part found dead now."""
        if time.monotonic() - self.restarted_at > self.ceiling:
            self.delay = self.initial  # it ran well for a while: this death is a new one
        return self.delay

    def restarted(self) -> None:
        """The restart was tried (whether it worked or not): the next delay doubles."""
        self.restarted_at, self.delay = time.monotonic(), min(self.delay * 2, self.ceiling)


def _started(part: T | None) -> T:
    if part is None:
        raise RuntimeError("local mode is not started (await LocalMode(...).start() first)")
    return part


@asynccontextmanager
async def local_mode(
    settings: Settings,
    registry: Registry,
    *,
    collect: bool = False,
    one_shot: str | None = None,
    data: Path | None = None,
) -> AsyncIterator[LocalMode]:
    """Local mode, started, and stopped when the block ends.

    ``one_shot`` names the command of a one-shot run (``run``, ``demo``): its data go to ``data``
    when given, else to a fresh temporary directory removed afterwards, so an earlier run's records
    never mix in. Without it the data stay in ``settings.data_dir`` (``sada up``).
    """
    scratch = None
    if one_shot:
        scratch = None if data else Path(tempfile.mkdtemp(prefix=f"sada-{one_shot}-"))
        data_dir = data or scratch
        removed = ", removed afterwards" if scratch else ""
        say(f"sada {one_shot}: starting local mode (data in {data_dir}{removed})")
        settings = settings.model_copy(update={"data_dir": data_dir})
    local = await LocalMode(settings, registry, collect=collect).start()
    try:
        yield local
    finally:
        await local.stop()
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
