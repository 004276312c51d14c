"""Distributed mode's services wait for the schema instead of migrating it.

``sada migrate`` (the Kubernetes Job) applies the migrations once; a service started
before it, or while it rebuilds, polls ``schema_migrations`` until every version its code
needs is there. Meanwhile its HTTP side is up: ``/healthz`` answers alive (waiting is not
a reason to restart it, and a probe must never kill the wait), ``/readyz`` answers not
ready with ``"schema": false``, and a log line every ``SADA_CLICKHOUSE_SCHEMA_LOG_S`` says
which versions it waits for and that ``sada migrate`` must run. Once they are all there,
the service connects and starts (its ``then``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import clickhouse_connect
from aiohttp import web
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import ClickHouseError

from shared.schema import required
from shared.settings import Settings

log = logging.getLogger("sada.schema")
_ABSENT = ("UNKNOWN_DATABASE", "UNKNOWN_TABLE", "Code: 81.", "Code: 60.")  # nothing migrated yet


class SchemaGate:
    """Whether the versions ``need`` (default: every migration of this code) are applied."""

    def __init__(self, settings: Settings, service: str, need: frozenset[int] | None = None):
        self.settings = settings
        self.service = service
        self.need = need if need is not None else required()
        self.ready = False
        self.missing: frozenset[int] = self.need
        self.problem = ""  # why the last check could not tell (ClickHouse unreachable…)
        self._client: Client | None = None
        self._task: asyncio.Task[None] | None = None

    def applied(self) -> frozenset[int]:
        """The versions ``schema_migrations`` holds (none when nothing was migrated yet)."""
        if self._client is None:
            self._client = clickhouse_connect.get_client(dsn=self.settings.clickhouse_dsn())
        database = self.settings.clickhouse_database
        try:
            rows = self._client.query(f"SELECT DISTINCT version FROM `{database}`.schema_migrations")
        except ClickHouseError as exc:
            if any(mark in str(exc) for mark in _ABSENT):
                return frozenset()
            raise
        return frozenset(row[0] for row in rows.result_rows)

    def waiting(self) -> str:
        """One line: what the service waits for and what to do."""
        versions = ", ".join(f"{v:03d}" for v in sorted(self.missing))
        because = f" ({self.problem})" if self.problem else ""
        return (
            f"sada {self.service}: waiting for schema versions {versions} in ClickHouse database "
            f"{self.settings.clickhouse_database!r}{because}; run `sada migrate` (the sada-migrate Job)"
        )

    async def wait(self, then: Callable[[], None] = lambda: None) -> None:
        """Poll until the schema is there, then run ``then`` (in a thread) and turn ready."""
        logged = -self.settings.clickhouse_schema_log_s
        loop = asyncio.get_running_loop()
        while True:
            try:
                self.missing = self.need - await asyncio.to_thread(self.applied)
                self.problem = ""
                if not self.missing:
                    await asyncio.to_thread(then)
                    self.ready = True
                    log.warning("sada %s: the schema is there; starting", self.service)
                    return
            except ClickHouseError as exc:
                self.problem = f"ClickHouse: {str(exc).splitlines()[0][:200]}"
                self._client = None
            if loop.time() - logged >= self.settings.clickhouse_schema_log_s:
                logged = loop.time()
                log.warning("%s", self.waiting())
            await asyncio.sleep(self.settings.clickhouse_schema_poll_s)

    def attach(self, app: web.Application, then: Callable[[], None] = lambda: None) -> None:
        """Wait in the background of ``app`` from its start to its cleanup."""

        async def start(_: web.Application) -> None:
            self._task = asyncio.create_task(self.wait(then))

        async def stop(_: web.Application) -> None:
            if self._task is not None:
                self._task.cancel()

        app.on_startup.append(start)
        app.on_cleanup.append(stop)
