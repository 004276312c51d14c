"""Local mode's collector in a process of its own: its HTTP app, Publisher and pollers.

Why: in one process the collector's threads (the aiohttp loop, validation, kafka-python's
producer) and the aggregator's consumer share one GIL; a profile of the end-to-end bench showed
the aggregator busy all the run and the collector taking ~40 % of the samples besides. chDB
allows one process per data directory, which binds only the aggregator and the reporter
(issue 12: "local mode may run the collector in its own process").

The child is started with multiprocessing's ``spawn`` context (no ``fork`` of a process that
holds chDB and threads) and dies with its parent: ``PR_SET_PDEATHSIG`` (SIGKILL: with the
aggregator gone, nothing the child holds can finish) and, everywhere, the end of the pipe.

One pipe each way carries little:

- parent → child, the state of local mode's :class:`StoredGate` (the broker's generation and
  the offsets the aggregator stored) and whether the broker is restarting, *whole* each time it
  changes (a thread coalesces changes, so the aggregator never waits for the child), then
  ``stop``. The child's gate mirrors it (DESIGN §6: a 2xx once the records are stored);
- child → parent, ``up`` with its URL (or ``failed``), then its log records, which the parent
  logs as its own (one stderr, one format; tests' ``caplog`` sees them).

What the child produced is read over HTTP (``GET /v1/produced``) when ``drain`` needs it: an
answer given after a 2xx includes that 2xx's records, which a pushed copy could not promise.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import logging.handlers
import multiprocessing
import os
import signal
import threading
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import aiohttp
from kafka import TopicPartition

from services.collector.publisher import Publisher, StoredGate
from shared import bus, heap
from shared.registry import Registry
from shared.settings import Settings

log = logging.getLogger("sada.local")

START_TIMEOUT_S = 60.0  # a spawned interpreter imports the collector in about a second
STOP_GRACE_S = 5.0  # on top of shutdown_timeout_s, before the child is killed


@dataclass(frozen=True)
class GateState:
    """What the child's gate mirrors (:meth:`StoredGate.snapshot`) and the broker's restart."""

    generation: int
    stored_generation: int
    stored: dict[TopicPartition, int]
    restarting: bool


@dataclass(frozen=True)
class Start:
    """Everything the child is started with (pickled by ``spawn``)."""

    settings: Settings
    registry: Registry
    collect: bool
    port: int
    state: GateState | None  # None: no gate (a broker outside local mode acknowledges)
    levels: dict[str, int]  # the parent's log levels: root, "kafka"
    parent: int


@dataclass
class _Link:
    """One child and its pipe; a restarted child gets a new one."""

    process: Any  # multiprocessing's SpawnProcess
    conn: Connection
    changed: threading.Event = field(default_factory=threading.Event)
    stopping: bool = False
    serving: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)  # the feed and stop both send

    def send(self, message: tuple) -> None:
        with self.lock:
            self.conn.send(message)


class CollectorProcess:
    """The parent's handle on the collector's process: start it, feed it the gate's state,
    read what it produced, tell whether it died, stop it."""

    def __init__(self, settings: Settings, registry: Registry, collect: bool, gate: StoredGate | None):
        self.settings = settings
        self.registry = registry
        self.collect = collect
        self.gate = gate
        self.port = settings.collector_port  # a restarted child binds the port the first one had
        self.url = ""
        self.restarting = False
        self._link: _Link | None = None
        self._up: asyncio.Future[str] | None = None

    # -- start, stop, liveness ---------------------------------------------------------------

    def spawn(self) -> None:
        """Start the child (from the thread that lives as long as local mode: the death signal
        follows the thread that started it); :meth:`ready` waits until it serves."""
        ctx = multiprocessing.get_context("spawn")
        ours, theirs = ctx.Pipe()
        start = Start(
            self.settings,
            self.registry,
            self.collect,
            self.port,
            self._state(),
            {name or "root": logging.getLogger(name).getEffectiveLevel() for name in (None, "kafka")},
            os.getpid(),
        )
        process = ctx.Process(target=child_main, args=(theirs, start), name="sada-collector", daemon=True)
        process.start()
        theirs.close()  # the child holds the only other end: its death reads as EOF here
        link = _Link(process, ours)
        self._link = link
        loop = asyncio.get_running_loop()
        self._up = loop.create_future()
        threading.Thread(
            target=self._read, args=(link, loop, self._up), name="sada-collector-read", daemon=True
        ).start()

    async def ready(self) -> str:
        """Wait until the child serves; its URL."""
        link, up = self._link, self._up
        if link is None or up is None:
            raise RuntimeError("the collector process was not spawned")
        try:
            self.url = await asyncio.wait_for(asyncio.shield(up), START_TIMEOUT_S)
        except TimeoutError:
            self._kill(link)
            raise RuntimeError(
                f"the collector process did not serve within {START_TIMEOUT_S:g} s; see the log above"
            ) from None
        self.port = int(self.url.rsplit(":", 1)[1])
        link.serving = True
        threading.Thread(target=self._feed, args=(link,), name="sada-collector-feed", daemon=True).start()
        self.notify()
        return self.url

    async def start(self) -> str:
        self.spawn()
        return await self.ready()

    def alive(self) -> bool:
        return self._link is not None and self._link.process.is_alive()

    @property
    def serving(self) -> bool:
        """The current child answers on :attr:`url` (started, not dead)."""
        return self._link is not None and self._link.serving and self._link.process.is_alive()

    def process_id(self) -> int | None:
        return None if self._link is None else self._link.process.pid

    def exitcode(self) -> int | None:
        return None if self._link is None else self._link.process.exitcode

    async def stop(self) -> None:
        """Ask the child to stop (requests in flight get ``shutdown_timeout_s``), kill it after."""
        link, self._link = self._link, None
        if link is None:
            return
        link.stopping = True
        link.changed.set()  # the feed ends
        with contextlib.suppress(OSError):  # it is dead already
            link.send(("stop",))
        await asyncio.to_thread(link.process.join, self.settings.shutdown_timeout_s + STOP_GRACE_S)
        if link.process.is_alive():
            log.error("the collector process did not stop in time; killing it")
            self._kill(link)
        link.conn.close()

    @staticmethod
    def _kill(link: _Link) -> None:
        link.process.kill()
        link.process.join(5)

    # -- what the child learns, what it tells ------------------------------------------------

    def notify(self) -> None:
        """The gate's state or the broker's restart changed: the feed sends it (coalesced)."""
        if self._link is not None:
            self._link.changed.set()

    def broker_restarted(self) -> None:
        self.restarting = True
        self.notify()

    def topics_ready(self) -> None:
        self.restarting = False
        self.notify()

    def _state(self) -> GateState | None:
        if self.gate is None:
            return None
        generation, stored_generation, stored = self.gate.snapshot()
        return GateState(generation, stored_generation, stored, self.restarting)

    def _feed(self, link: _Link) -> None:
        while True:
            link.changed.wait()
            link.changed.clear()
            if link.stopping:
                return
            try:
                state = self._state()
                if state is not None:
                    link.send(("state", state))
            except OSError:
                return  # the child is gone: the supervisor sees it

    @staticmethod
    def _read(link: _Link, loop: asyncio.AbstractEventLoop, up: asyncio.Future[str]) -> None:
        def settle(kind: str, value: str) -> None:
            if up.done():
                return
            if kind == "up":
                up.set_result(value)
            else:
                up.set_exception(RuntimeError(value))

        while True:
            try:
                message = link.conn.recv()
            except (EOFError, OSError):
                loop.call_soon_threadsafe(settle, "failed", "the collector process exited before it served")
                return
            if message[0] == "log":
                record: logging.LogRecord = message[1]
                logger = logging.getLogger(record.name)
                if logger.isEnabledFor(record.levelno):
                    logger.handle(record)
            else:
                loop.call_soon_threadsafe(settle, message[0], message[1])

    async def produced(self, session: aiohttp.ClientSession) -> bus.Offsets:
        """What the child's Publisher had Kafka acknowledge (its ``/v1/produced``)."""
        async with session.get(f"{self.url}/v1/produced") as response:
            response.raise_for_status()
            rows = await response.json()
        return bus.Offsets(
            {TopicPartition(row["topic"], row["partition"]): row["next_offset"] for row in rows}
        )


# -- the child -----------------------------------------------------------------------------------


def child_main(conn: Connection, start: Start) -> None:
    """The collector process: serve until the parent says stop or goes away."""
    _die_with(start.parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the group; the parent stops us
    send = _sender(conn)
    _forward_logs(send, start.levels)
    asyncio.run(_serve(conn, send, start))


def _die_with(parent: int) -> None:
    bus.die_with_parent(signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)


def _sender(conn: Connection):
    lock = threading.Lock()

    def send(message: tuple) -> None:
        with lock:
            conn.send(message)

    return send


class _Forward(logging.handlers.QueueHandler):
    """Log records go to the parent, formatted (no arguments or exceptions to pickle)."""

    def __init__(self, send) -> None:
        super().__init__(None)  # type: ignore[arg-type]
        self.send = send

    def enqueue(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(OSError):  # the parent is gone, and this process with it
            self.send(("log", record))


def _forward_logs(send, levels: dict[str, int]) -> None:
    root = logging.getLogger()
    root.handlers = [_Forward(send)]
    root.setLevel(levels["root"])
    logging.getLogger("kafka").setLevel(levels["kafka"])
    logging.getLogger("sada").setLevel(logging.DEBUG)  # few; the parent's levels decide


async def _serve(conn: Connection, send, start: Start) -> None:
    from services.collector.app import create_app
    from shared.http import start_site

    settings = start.settings
    gate = StoredGate(settings.local_stored_wait_s) if start.state is not None else None
    publisher = Publisher(settings, gate)
    if start.state is not None:
        _follow(start.state, publisher)
    app = create_app(settings, publisher)
    if start.collect:
        from services.collector.pollers.service import attach_pollers

        attach_pollers(app, settings, start.registry, publisher)
    try:
        runner, url = await start_site(app, settings.collector_host, start.port)
    except OSError as exc:
        send(("failed", f"the collector cannot listen on {settings.collector_host}:{start.port}: {exc}"))
        return
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    threading.Thread(
        target=_listen, args=(conn, publisher, loop, stop), name="sada-collector-listen", daemon=True
    ).start()
    send(("up", url))
    heap.freeze_start_up()
    try:
        await stop.wait()
    finally:
        heap.thaw()
        await runner.cleanup()
        publisher.close()


def _listen(
    conn: Connection, publisher: Publisher, loop: asyncio.AbstractEventLoop, stop: asyncio.Event
) -> None:
    """The parent's messages: the gate's state, then ``stop`` (or the end of the pipe)."""
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            message = ("stop",)  # the parent is gone
        if message[0] == "stop":
            loop.call_soon_threadsafe(stop.set)
            return
        _follow(message[1], publisher)


def _follow(state: GateState, publisher: Publisher) -> None:
    """Mirror the parent's gate; a new broker generation resets the producer as in-process."""
    assert publisher.gate is not None
    if publisher.gate.follow(state.generation, state.stored_generation, state.stored):
        publisher.broker_restarted()
    if not state.restarting:
        publisher.topics_ready()
