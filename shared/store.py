"""ClickHouse access: one client factory, the migrations, and the write buffer's insert.

The same SQL runs on embedded chDB (``chdb:///path``, local mode) and on a
ClickHouse server (``http(s)://…``, distributed mode).
"""

from __future__ import annotations

import importlib
import re
import threading
from collections.abc import Mapping, Sequence
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

import clickhouse_connect
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import ClickHouseError

from shared import rollups
from shared.chunks import chunked
from shared.extras import require
from shared.progress import Progress, throttled
from shared.records import POSTS, TABLES
from shared.settings import Settings
from shared.sqlfiles import sql

MIGRATIONS = "shared.migrations"
VIEWS = "shared.views"
_VERSION = re.compile(r"^(\d+)_\w*\.(sql|py)$")


class StoreUnavailable(RuntimeError):
    """ClickHouse refused or failed a write; the caller keeps its batch and retries."""


def connect(settings: Settings, database: str | None = None) -> Client:
    """A client bound to the sada database (created when missing)."""
    database = database or settings.clickhouse_database
    dsn = settings.clickhouse_dsn()
    if dsn.startswith("chdb:"):
        require("local", "chdb")
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


def migrate(client: Client, progress: Progress | None = None) -> list[str]:
    """Apply the numbered migrations not yet applied, in order; return their file names.

    A ``.sql`` migration is a list of statements; a ``.py`` one is a module whose
    ``apply(client, progress)`` does the work (a data backfill, or SQL made from a
    definition in Python). Then every view of ``shared/views`` is re-created: views hold
    no data, so the file in the tree is always the definition in force.
    """
    progress = progress or throttled(5.0)
    client.command(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, name String, "
        "applied_at DateTime DEFAULT now()) ENGINE = ReplacingMergeTree ORDER BY version"
    )
    done = {row[0] for row in client.query("SELECT version FROM schema_migrations FINAL").result_rows}
    applied = []
    for version, file in _numbered(MIGRATIONS):
        if version in done:
            continue
        if file.name.endswith(".py"):
            module = importlib.import_module(f"{MIGRATIONS}.{file.name.removesuffix('.py')}")
            module.apply(client, progress)
        else:
            _run(client, file.read_text(encoding="utf-8"))
        client.insert("schema_migrations", [[version, file.name]], column_names=["version", "name"])
        applied.append(file.name)
    for file in sorted(
        (f for f in resources.files(VIEWS).iterdir() if f.name.endswith(".sql")), key=lambda f: f.name
    ):
        _run(client, file.read_text(encoding="utf-8"))
    return applied


def _numbered(package: str) -> list[tuple[int, Traversable]]:
    found = []
    for file in resources.files(package).iterdir():
        if match := _VERSION.match(file.name):
            found.append((int(match.group(1)), file))
    versions = [version for version, _ in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations in {package} share a number: {sorted(versions)}")
    return sorted(found, key=lambda pair: pair[0])


def _run(client: Client, sql: str) -> None:
    for statement in _statements(sql):
        client.command(statement)


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
                    column_names=list(spec.column_names),
                    settings={"insert_deduplication_token": token, "async_insert": 0},
                )
        except ClickHouseError as exc:
            raise StoreUnavailable(f"insert into {table} failed: {exc}") from exc

    def stored_posts(self, rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
        """The stored row (``FINAL``) of each post the ``posts`` ``rows`` name, by column name."""
        keys: dict[str, set[tuple[str, str]]] = {}
        post_of = POSTS.reader("event", "platform", "post_id")
        for row in rows:
            event, platform, post_id = post_of(row)
            keys.setdefault(event, set()).add((platform, post_id))
        found: list[dict[str, Any]] = []
        try:
            for event, posts in sorted(keys.items()):
                for chunk in chunked(sorted(posts), rollups.REFRESH_CHUNK):
                    with self._lock:
                        result = self.client.query(
                            sql("shared.merge_sql", "stored_posts"),
                            parameters={"event": event, "posts": chunk},
                        )
                    found.extend(
                        dict(zip(result.column_names, row, strict=True)) for row in result.result_rows
                    )
        except ClickHouseError as exc:
            raise StoreUnavailable(f"reading the stored posts failed: {exc}") from exc
        return found

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
