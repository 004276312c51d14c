"""ClickHouse access: one client factory, the migrations, and the write buffer's insert.

The same SQL runs on embedded chDB (``chdb:///path``, local mode) and on a
ClickHouse server (``http(s)://…``, distributed mode).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import clickhouse_connect
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import ClickHouseError

from shared import rollups
from shared.progress import throttled
from shared.settings import Settings

MIGRATIONS = "shared.migrations"
VIEWS = "shared.views"
_VERSION = re.compile(r"^(\d+)_.*\.sql$")
ROLLUPS_ADDED = "004_rollups.sql"  # a store older than this gets its rollups computed once


class StoreUnavailable(RuntimeError):
    """ClickHouse refused or failed a write; the caller keeps its batch and retries."""


def connect(settings: Settings, database: str | None = None) -> Client:
    """A client bound to the sada database (created when missing)."""
    database = database or settings.clickhouse_database
    dsn = settings.clickhouse_dsn()
    bootstrap = clickhouse_connect.get_client(dsn=dsn)
    bootstrap.command(f"CREATE DATABASE IF NOT EXISTS {_identifier(database)}")
    return clickhouse_connect.get_client(dsn=dsn, database=database)


def _identifier(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError(f"{name!r} is not a valid ClickHouse database name")
    return name


def _statements(sql: str) -> list[str]:
    """Split a migration file into statements; comments are dropped first."""
    body = "\n".join(line for line in sql.splitlines() if not line.strip().startswith("--"))
    return [statement.strip() for statement in body.split(";") if statement.strip()]


def migrate(client: Client) -> list[str]:
    """Apply the numbered ``.sql`` files not yet applied, in order; return their names.

    Then re-create every view of ``shared/views``: views hold no data, so the
    file in the tree is always the definition in force.
    """
    client.command(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, name String, "
        "applied_at DateTime DEFAULT now()) ENGINE = ReplacingMergeTree ORDER BY version"
    )
    done = {row[0] for row in client.query("SELECT version FROM schema_migrations FINAL").result_rows}
    applied = []
    files = sorted(
        (f for f in resources.files(MIGRATIONS).iterdir() if _VERSION.match(f.name)),
        key=lambda f: int(_VERSION.match(f.name).group(1)),
    )
    for file in files:
        version = int(_VERSION.match(file.name).group(1))
        if version in done:
            continue
        for statement in _statements(file.read_text(encoding="utf-8")):
            client.command(statement)
        if file.name == ROLLUPS_ADDED:  # the rollups of what is already stored, once, with progress
            rollups.rebuild(client, throttled(5.0))
        client.insert("schema_migrations", [[version, file.name]], column_names=["version", "name"])
        applied.append(file.name)
    for file in sorted(
        (f for f in resources.files(VIEWS).iterdir() if f.name.endswith(".sql")), key=lambda f: f.name
    ):
        for statement in _statements(file.read_text(encoding="utf-8")):
            client.command(statement)
    return applied


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]


TABLES = {
    "posts": Table(
        "posts",
        (
            "event",
            "platform",
            "post_id",
            "created_at",
            "account",
            "author",
            "text",
            "lang",
            "hashtags",
            "hashtag_keys",
            "url",
            "media",
            "followers",
            "version",
        ),
    ),
    "metrics": Table(
        "metrics",
        (
            "event",
            "platform",
            "post_id",
            "observed_at",
            "impressions",
            "reach",
            "views",
            "likes",
            "comments",
            "shares",
            "clicks",
            "saves",
            "version",
        ),
    ),
    "interactions": Table(
        "interactions",
        ("event", "platform", "interaction_id", "post_id", "kind", "occurred_at", "actor", "text", "version"),
    ),
    "mentions": Table(
        "mentions",
        (
            "event",
            "url",
            "original_url",
            "platform",
            "published_at",
            "outlet",
            "country",
            "lang",
            "title",
            "audience",
            "version",
        ),
    ),
    "rejected": Table(
        "rejected", ("reject_id", "received_at", "event", "source", "line", "field", "reason", "raw")
    ),
}


class Store:
    """Writes row batches idempotently; safe to share between threads of one process."""

    def __init__(self, client: Client):
        self.client = client
        self._lock = threading.Lock()

    def insert(self, table: str, rows: Sequence[Sequence[Any]], token: str) -> None:
        """Insert ``rows``; a retry with the same ``token`` is a no-op in ClickHouse.
        The rollups are brought up to date apart, once per batch: :meth:`update_rollups`."""
        spec = TABLES[table]
        try:
            with self._lock:
                self.client.insert(
                    spec.name,
                    rows,
                    column_names=list(spec.columns),
                    settings={"insert_deduplication_token": token, "async_insert": 0},
                )
        except ClickHouseError as exc:
            raise StoreUnavailable(f"insert into {table} failed: {exc}") from exc

    def update_rollups(self, written: Mapping[str, Sequence[Sequence[Any]]]) -> None:
        """Recompute the rollups of every post the rows just inserted (per table) touch. Safe to
        run again: after a failure, the writer retries it before committing anything."""
        try:
            with self._lock:
                rollups.after_insert(self.client, written)
        except ClickHouseError as exc:
            raise StoreUnavailable(f"updating the rollups failed: {exc}") from exc

    def query(self, sql: str, parameters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        with self._lock:
            result = self.client.query(sql, parameters=parameters or {})
        return [dict(zip(result.column_names, row, strict=False)) for row in result.result_rows]


def open_store(settings: Settings, database: str | None = None) -> Store:
    """A store on the configured ClickHouse with the schema brought up to date: what every
    command and service opens before reading or writing."""
    client = connect(settings, database)
    migrate(client)
    return Store(client)
