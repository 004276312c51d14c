"""The one test harness: real parts (a Tansu broker, chDB) and the helpers every test shares.

chDB allows one data directory per process, so tests are isolated by ClickHouse
database name, Kafka topic prefix and consumer group instead; a test that needs
its own store runs ``sada`` in a subprocess (:func:`sada`).

Fixtures live in ``tests/conftest.py``; everything a test module imports comes
from here (and from ``harness.pollers``, the platform stand-ins' helpers), never from another
test module.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any, Generic, TypeVar

import aiohttp
from aiohttp import web

from harness.secure import Broker, client_security, security_env
from services.aggregator.step import MessageRejected
from shared.http import start_site
from shared.registry import Registry
from shared.settings import Settings

T = TypeVar("T")
B = TypeVar("B", bound="Background")
TOKEN = "test-token"


def pipeline_settings(broker: Broker, chdb_dir: Path, name: str, **overrides: Any) -> Settings:
    """Settings of an isolated pipeline called ``name`` on the shared broker and store (with the
    broker's TLS and SCRAM client side when it is a secure one: SADA_TEST_BROKER)."""
    values: dict[str, Any] = {
        "data_dir": chdb_dir,
        "kafka_bootstrap": broker.bootstrap,
        "kafka_security": client_security(broker),
        "kafka_topic_prefix": f"{name}.",
        "consumer_group": name,
        "clickhouse_database": name,
        "consumer_session_timeout_ms": 2_000,
        "consumer_heartbeat_interval_ms": 500,
        "batch_max_age_ms": 100,
        "ingest_tokens": [TOKEN],
    }
    return Settings(**{**values, **overrides})


def ndjson(records: Iterable[Any]) -> bytes:
    return b"\n".join(
        r if isinstance(r, bytes) else json.dumps(r, ensure_ascii=False).encode() for r in records
    )


CREATED = "2026-10-26T09:00:00Z"


def x_posts(event: str, ids: range) -> bytes:
    """One minimal X post per id, as NDJSON: records whose arrival the tests can count by id."""
    return ndjson(
        {
            "type": "post",
            "event": event,
            "platform": "x",
            "post_id": str(n),
            "created_at": "2026-10-26T09:00:00Z",
        }
        for n in ids
    )


async def post(
    url: str,
    body: bytes,
    content_type: str = "application/x-ndjson",
    token: str | None = TOKEN,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict, dict]:
    """POST to a collector's /v1/events; returns status, JSON answer and response headers."""
    sent = {"Content-Type": content_type, **(headers or {})}
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{url}/v1/events", data=body, headers=sent) as response,
    ):
        return response.status, await response.json(content_type=None), dict(response.headers)


def run(coro: Awaitable[T]) -> T:
    return asyncio.run(coro)  # type: ignore[arg-type]


def sada(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run the ``sada`` program in a child process (its own chDB data directory)."""
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def env_of(settings: Settings, **overrides: str) -> dict[str, str]:
    """The SADA_* environment that reproduces ``settings`` in a child process."""
    values = {
        "SADA_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "SADA_KAFKA_TOPIC_PREFIX": settings.kafka_topic_prefix,
        "SADA_CONSUMER_GROUP": settings.consumer_group,
        "SADA_CLICKHOUSE_DATABASE": settings.clickhouse_database,
        "SADA_CONSUMER_SESSION_TIMEOUT_MS": str(settings.consumer_session_timeout_ms),
        "SADA_CONSUMER_HEARTBEAT_INTERVAL_MS": str(settings.consumer_heartbeat_interval_ms),
        "SADA_BATCH_MAX_AGE_MS": str(settings.batch_max_age_ms),
        **security_env(settings.kafka_security),
    }
    values.update(overrides)
    return values


def wait_for(condition: Callable[[], T], timeout_s: float, what: str, interval_s: float = 0.1) -> T:
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(interval_s)


class Background:
    """An asyncio loop in a thread of its own, so synchronous tests (and hypothesis) can drive
    servers and clients that live on it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def call(self, coro: Awaitable[T], timeout: float = 120) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)  # type: ignore[arg-type]

    def get(self, url: str, **params: Any) -> tuple[int, Any]:
        """GET ``url`` from this loop; returns status and JSON answer."""

        async def fetch():
            async with aiohttp.ClientSession() as session, session.get(url, params=params) as response:
                return response.status, await response.json(content_type=None)

        return self.call(fetch())

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    def close(self) -> None:
        self.stop()

    def __enter__(self: B) -> B:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Served(Background):
    """An aiohttp app (a platform or Grafana stand-in) on a free local port, on its own loop;
    every request recorded as (method, path, query, body)."""

    def __init__(self, app: web.Application):
        super().__init__()
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []

        @web.middleware
        async def record(request: web.Request, handler):
            self.requests.append((request.method, request.path, dict(request.query), await request.read()))
            return await handler(request)

        app.middlewares.append(record)
        self.runner, self.url = self.call(start_site(app, "127.0.0.1", 0), 10)

    def paths(self, path: str) -> list[dict[str, str]]:
        return [query for _, p, query, _ in self.requests if p == path]

    def close(self) -> None:
        self.call(self.runner.cleanup(), 10)
        self.stop()


class LastStep(Generic[T]):
    """The last step of an aggregator chain, or of its first steps, in place of what follows:
    takes what it is given (batches, decoded messages) while ``open`` (a closed one refuses as a
    busy step does) and keeps it in ``batches``."""

    def __init__(self) -> None:
        self.open = True
        self.batches: list[T] = []

    def submit(self, batch: T) -> None:
        if not self.open:
            raise MessageRejected
        self.batches.append(batch)

    def poll(self) -> None:
        pass

    def join(self, timeout_s: float) -> None:
        pass

    def close(self) -> None:
        pass


def send_all(send: Callable[[bytes], tuple[int, dict, dict]], records: list[Any], chunk: int) -> None:
    """``send`` ``records`` to a collector in chunks of ``chunk``, each accepted whole."""
    for first in range(0, len(records), chunk):
        status, answer, _ = send(ndjson(records[first : first + chunk]))
        assert status == 200 and not answer["rejected"], answer


class Collector(Served):
    """The collector alone (no aggregator, no store) on a loop of its own, with its own Publisher."""

    def __init__(self, settings: Settings):
        from services.collector.app import create_app
        from services.collector.publisher import Publisher

        self.publisher = Publisher(settings)
        super().__init__(create_app(settings, self.publisher))

    def post(self, body: bytes, **kwargs: Any) -> tuple[int, dict, dict]:
        return self.call(post(self.url, body, **kwargs))

    def post_all(self, records: list[Any], chunk: int = 2_000) -> None:
        """Send ``records`` in chunks, each accepted whole (published, not yet stored)."""
        send_all(self.post, records, chunk)

    def close(self) -> None:
        super().close()
        self.publisher.close()


class RunningPipeline(Background):
    """Local mode on the shared broker and store, its event loop in a background thread."""

    def __init__(self, settings: Settings, registry: Registry | None = None):
        from services.local import LocalMode

        super().__init__()
        self.local = self.call(LocalMode(settings, registry or Registry()).start())

    @property
    def collector(self) -> str:
        return self.local.urls["collector"]

    @property
    def reporter(self) -> str:
        return self.local.urls["reporter"]

    @property
    def store(self):
        return self.local.reporter_store

    def drain(self, timeout_s: float = 60) -> None:
        self.call(self.local.drain(timeout_s), timeout_s + 10)

    def post(self, body: bytes, **kwargs: Any) -> tuple[int, dict, dict]:
        return self.call(post(self.collector, body, **kwargs))

    def post_all(self, records: list[Any], chunk: int = 2_000) -> None:
        """Send ``records`` in chunks, each accepted whole, then wait until all are stored."""
        send_all(self.post, records, chunk)
        self.drain()

    def close(self) -> None:
        self.call(self.local.stop())
        self.stop()


def module_pipeline(
    broker: Broker, chdb_dir: Path, name: str, registry: Registry | None = None
) -> RunningPipeline:
    """A pipeline a whole test module shares (``with module_pipeline(…) as running: yield running``
    in a module-scoped fixture), isolated under ``name``."""
    return RunningPipeline(pipeline_settings(broker, chdb_dir, name), registry)


class KeptDemo:
    """``sada demo --keep-running`` in a child process: started, read until it says it is still
    up (``page``: the live page's URL it printed), stopped with SIGTERM on leaving."""

    def __init__(self, *args: str, env: dict[str, str], timeout_s: float = 600):
        import re
        import signal

        self.signal = signal.SIGTERM
        self.process = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "demo", "--keep-running", *args],
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.stderr: list[str] = []
        deadline = time.monotonic() + timeout_s
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr.append(line)
            if match := re.search(r"still up.*The event live: (\S+)", line):
                self.page = match.group(1)
                break
            if time.monotonic() > deadline:
                break
        if not getattr(self, "page", None):
            self.process.kill()
            raise AssertionError(f"sada demo --keep-running did not say it is up: {''.join(self.stderr)}")

    def stop(self) -> tuple[int, str, str]:
        """SIGTERM; the exit code, stdout and the rest of stderr."""
        self.process.send_signal(self.signal)
        out, err = self.process.communicate(timeout=120)
        return self.process.returncode, out, "".join(self.stderr) + err

    def __enter__(self) -> KeptDemo:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
