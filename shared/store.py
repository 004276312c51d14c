"""ClickHouse access: one client factory, the migrations, and the write buffer's insert.

The same SQL runs on embedded chDB (``chdb:///path``, local mode) and on a
ClickHouse server (``http(s)://…``, distributed mode).
"""

from __future__ import annotations

import hashlib
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
from shared.merge import merged_rows
from shared.progress import Progress, throttled
from shared.records import POSTS, TABLES, Row
from shared.settings import Settings
from shared.sqlfiles import expand, sql

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


def migrate(client: Client, progress: Progress | None = None, until: int | None = None) -> list[str]:
    """Apply the numbered migrations not yet applied, in order; return their file names.

    A ``.sql`` migration is a list of statements; a ``.py`` one is a module whose
    ``apply(client, progress)`` does the work (a data backfill, or SQL made from a
    definition in Python). Then every view of ``shared/views`` is re-created: views hold
    no data, so the file in the tree is always the definition in force. ``until`` stops after
    that number, views left as they are (a test builds a store as an older version left it).
    """
    progress = progress or throttled(5.0)
    client.command(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, name String, "
        "applied_at DateTime DEFAULT now()) ENGINE = ReplacingMergeTree ORDER BY version"
    )
    done = {row[0] for row in client.query("SELECT version FROM schema_migrations FINAL").result_rows}
    applied: list[str] = []
    for version, file in _numbered(MIGRATIONS):
        if version in done:
            continue
        if until is not None and version > until:
            return applied
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
        _run(client, expand(file.read_text(encoding="utf-8")))
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
        """Insert ``rows``; a retry with the same ``token`` is a no-op in ClickHouse. The tables
        with rollups are written by :meth:`write_records`."""
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
        try:
            with self._lock:
                return self._stored_posts(rows)
        except ClickHouseError as exc:
            raise StoreUnavailable(f"reading the stored posts failed: {exc}") from exc

    def _stored_posts(self, rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
        keys: dict[str, set[tuple[str, str]]] = {}
        post_of = POSTS.reader("event", "platform", "post_id")
        for row in rows:
            event, platform, post_id = post_of(row)
            keys.setdefault(event, set()).add((platform, post_id))
        found: list[dict[str, Any]] = []
        for event, posts in sorted(keys.items()):
            for chunk in chunked(sorted(posts), rollups.LOOKUP_CHUNK):
                result = self.client.query(
                    sql("shared.merge_sql", "stored_posts"), parameters={"event": event, "posts": chunk}
                )
                found.extend(dict(zip(result.column_names, row, strict=True)) for row in result.result_rows)
        return found

    def write_records(
        self, rows: Mapping[str, Sequence[Row]], origins: Mapping[str, Sequence[rollups.Origin]]
    ) -> None:
        """Store a batch's posts, snapshots and interactions (``rows`` per table, ``origins``
        beside them) with their rollups, exactly once however often it is called for the same
        records, in whatever batches (shared/rollups.py): the raw rows of records the rollups
        already hold, then the deltas of the others with their marks (one insert), then their raw
        rows. A batch's posts are merged with what the store holds of them (shared/merge.py)."""
        try:
            with self._lock:
                self._write_records(rows, origins)
        except ClickHouseError as exc:
            raise StoreUnavailable(f"writing the records and their rollups failed: {exc}") from exc

    def _write_records(
        self, rows: Mapping[str, Sequence[Row]], origins: Mapping[str, Sequence[rollups.Origin]]
    ) -> None:
        marks = {
            table: [rollups.mark(o, r[-1]) for r, o in zip(rows[table], origins[table], strict=True)]
            for table in rows
        }
        found = rollups.applied(self.client, [m for ms in marks.values() for m in ms])
        done: dict[str, list[Row]] = {}
        pending: dict[str, list[Row]] = {}
        pending_marks: list[tuple[str, str]] = []
        for table, table_rows in rows.items():
            for row, key in zip(table_rows, marks[table], strict=True):
                (done if key in found else pending).setdefault(table, []).append(row)
                if key not in found:
                    pending_marks.append(key)
        for table, table_rows in sorted(done.items()):
            keys = [m for m in marks[table] if m in found]
            if table == POSTS.name:
                table_rows = merged_rows(table_rows, self._stored_posts(table_rows))
            self._insert_raw(table, table_rows, keys)
        if not pending_marks:
            return
        stored = self._stored_posts(pending.get(POSTS.name, []))
        merged = merged_rows(pending.get(POSTS.name, []), stored)
        deltas = rollups.deltas_for(self.client, pending, stored, merged)
        rollups.insert(
            self.client,
            deltas.table_rows() + rollups.mark_rows(pending_marks),
            _token("rollups", pending_marks),
        )
        for table, table_rows in sorted(pending.items()):
            keys = [m for m in marks[table] if m not in found]
            self._insert_raw(table, merged if table == POSTS.name else table_rows, keys)

    def _insert_raw(self, table: str, rows: Sequence[Row], keys: Sequence[tuple[str, str]]) -> None:
        spec = TABLES[table]
        self.client.insert(
            spec.name,
            rows,
            column_names=list(spec.column_names),
            settings={"insert_deduplication_token": _token(table, keys), "async_insert": 0},
        )

    def query(self, sql: str, parameters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        with self._lock:
            result = self.client.query(sql, parameters=parameters or {})
        return [dict(zip(result.column_names, row, strict=False)) for row in result.result_rows]


def _token(table: str, marks: Sequence[tuple[str, str]]) -> str:
    """An insert's deduplication token: its table and the records it holds (partition, offset and
    version each), so a retry of the same records is dropped and no other insert shares it."""
    digest = hashlib.sha256("\n".join(f"{a} {b}" for a, b in sorted(marks)).encode()).hexdigest()
    return f"{table}:{len(marks)}:{digest[:32]}"


def open_store(settings: Settings, database: str | None = None) -> Store:
    """A store on the configured ClickHouse with the schema brought up to date: what every
    command and service opens before reading or writing."""
    client = connect(settings, database)
    migrate(client)
    return Store(client)
