"""Real parts for every test: one Tansu broker and one chDB data directory per test run.

chDB allows one data directory per process, so tests are isolated by
ClickHouse database name, Kafka topic prefix and consumer group instead;
a test that needs its own store runs ``sada`` in a subprocess.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from shared import bus
from shared.settings import Settings

_ids = itertools.count(1)
TOKEN = "test-token"


@pytest.fixture(scope="session")
def broker() -> Iterator[bus.LocalBroker]:
    local = bus.LocalBroker().start()
    yield local
    local.stop()


@pytest.fixture(scope="session")
def chdb_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("chdb")


@pytest.fixture
def settings(broker: bus.LocalBroker, chdb_dir: Path) -> Settings:
    """Settings of a fresh, isolated pipeline on the shared broker and store."""
    n = f"{os.getpid()}x{next(_ids)}"
    return Settings(
        data_dir=chdb_dir,
        kafka_bootstrap=broker.bootstrap,
        kafka_topic_prefix=f"t{n}.",
        consumer_group=f"g{n}",
        clickhouse_database=f"db{n}",
        consumer_session_timeout_ms=2_000,
        consumer_heartbeat_interval_ms=500,
        batch_max_age_ms=100,
        ingest_tokens=[TOKEN],
    )


def ndjson(records: list[Any]) -> bytes:
    return b"\n".join(
        r if isinstance(r, bytes) else json.dumps(r, ensure_ascii=False).encode() for r in records
    )


async def post(
    url: str,
    body: bytes,
    content_type: str = "application/x-ndjson",
    token: str | None = TOKEN,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict, dict]:
    """POST to a collector; returns status, JSON answer and response headers."""
    sent = {"Content-Type": content_type, **(headers or {})}
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{url}/v1/events", data=body, headers=sent) as response,
    ):
        return response.status, await response.json(content_type=None), dict(response.headers)


def run(coro):
    return asyncio.run(coro)


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
    }
    values.update(overrides)
    return values


def wait_for(condition, timeout_s: float, what: str, interval_s: float = 0.1):
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(interval_s)


class RunningPipeline:
    """Local mode on the shared broker and store, its event loop in a background thread,
    so synchronous tests (and hypothesis) can drive it over HTTP."""

    def __init__(self, settings: Settings, registry=None):
        from services.local import LocalMode
        from shared.registry import Registry

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.local = self._call(LocalMode(settings, registry or Registry()).start())

    def _call(self, coro, timeout: float = 120):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

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
        self._call(self.local.drain(timeout_s), timeout_s + 10)

    def post(self, body: bytes, **kwargs) -> tuple[int, dict, dict]:
        return self._call(post(self.collector, body, **kwargs))

    def get(self, url: str, **params: Any) -> tuple[int, Any]:
        async def fetch():
            async with aiohttp.ClientSession() as session, session.get(url, params=params) as response:
                return response.status, await response.json(content_type=None)

        return self._call(fetch())

    def close(self) -> None:
        self._call(self.local.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture
def pipeline(settings: Settings) -> Iterator[RunningPipeline]:
    running = RunningPipeline(settings)
    yield running
    running.close()
