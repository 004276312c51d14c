"""ClickHouse access: one client factory, the write buffer's insert, and who migrates.

The same SQL runs on embedded chDB (``chdb:///path``, local mode) and on a
ClickHouse server or cluster (``http(s)://…``, distributed mode). The migrations runner is
``shared/schema.py``; here, :func:`open_store` (local mode and the commands: migrate at
start, in-process) and :func:`migrate_target` (``sada migrate``: under the lock).
"""

from __future__ import annotations

import hashlib
import queue
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from functools import partial
from typing import Any

import clickhouse_connect
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import ClickHouseError

from shared import rollups
from shared.extras import require
from shared.merge import merged_rows, stored_posts
from shared.progress import Progress, say, throttled
from shared.records import POSTS, TABLES, Row
from shared.schema import migrate, required
from shared.schema_lock import MigrateLock
from shared.settings import Settings

__all__ = [
    "Store",
    "StoreUnavailable",
    "SchemaBehind",
    "connect",
    "migrate",
    "migrate_target",
    "open_store",
    "write_consistency",
]


class StoreUnavailable(RuntimeError):
    """ClickHouse refused or failed a write; the caller keeps its batch and retries."""


class SchemaBehind(RuntimeError):
    """The store lacks migrations this code needs, and this command does not apply them."""


def _dsn(settings: Settings) -> str:
    dsn = settings.clickhouse_dsn()
    if dsn.startswith("chdb:"):
        require("local", "chdb")
    return dsn


def server(settings: Settings) -> Client:
    """A client on the configured ClickHouse without a database (which may not exist yet)."""
    return clickhouse_connect.get_client(dsn=_dsn(settings))


def connect(
    settings: Settings, database: str | None = None, create: bool = True, *, writer: bool = False
) -> Client:
    """A client bound to the sada database; ``create`` makes it when missing (ON CLUSTER
    with a cluster configured). Only whoever migrates creates it. ``writer``: the aggregator's
    client, which reads back what it wrote (:func:`write_consistency`)."""
    database = _identifier(database or settings.clickhouse_database)
    if create:
        statement = f"CREATE DATABASE IF NOT EXISTS {database}"
        if settings.clickhouse_cluster:
            statement += f" ON CLUSTER '{settings.clickhouse_cluster}'"
        server(settings).command(statement)
    session = write_consistency(settings) if writer else {}
    return clickhouse_connect.get_client(dsn=_dsn(settings), database=database, settings=session)


def write_consistency(settings: Settings) -> dict[str, Any]:
    """The aggregator computes each batch's rollup deltas from the stored state it reads (the
    posts, interactions, snapshots and marks it wrote before), so on a cluster its reads must see
    every write that came before, whichever replica the load balancer picks. ClickHouse's
    recipe (docs: insert_quorum): quorum inserts on a majority of replicas, linearised
    (``insert_quorum_parallel=0``), and ``select_sequential_consistency=1``, with which a replica
    that lacks a quorum-written part refuses the read instead of answering without it (the write
    step retries, as for any store failure). A single server needs none of it."""
    if not settings.clickhouse_cluster:
        return {}
    return {"insert_quorum": "auto", "insert_quorum_parallel": 0, "select_sequential_consistency": 1}


def _identifier(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError(f"{name!r} is not a valid ClickHouse database name")
    return name


def migrate_target(settings: Settings, progress: Progress = say) -> list[str]:
    """What ``sada migrate`` does: under the lock, apply the pending migrations to the
    configured target (ON CLUSTER with Replicated* engines when a cluster is set)."""
    client = connect(settings)
    lock = MigrateLock(
        connect(settings, create=False),
        settings.clickhouse_cluster,
        settings.clickhouse_migrate_lock_s,
        settings.clickhouse_schema_poll_s,
        settings.clickhouse_schema_log_s,
        progress,
    )
    with lock:
        return migrate(client, throttled(5.0), settings.clickhouse_cluster)


# The threads :meth:`Store.gather` runs reads on (a read never gathers itself, so they cannot all wait).
_READS = ThreadPoolExecutor(8, thread_name_prefix="sada-read")


class Store:
    """Writes row batches idempotently; safe to share between threads of one process.

    ``more_clients`` (the reporter's and the aggregator's stores) makes further clients on the
    same database for :meth:`gather`; a store without it runs gathered reads one after the other."""

    def __init__(self, client: Client | None = None, more_clients: Callable[[], Client] | None = None):
        self._client = client
        self._lock = threading.Lock()
        self._more_clients = more_clients
        self._spares: queue.SimpleQueue[Store] = queue.SimpleQueue()

    @property
    def client(self) -> Client:
        if self._client is None:
            raise StoreUnavailable("not connected yet: the service waits for the schema (`sada migrate`)")
        return self._client

    def attach(self, client: Client, more_clients: Callable[[], Client] | None = None) -> None:
        """Connect a store made before its database was there (distributed mode's wait)."""
        self._client = client
        self._more_clients = more_clients

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

    def write_records(
        self, rows: Mapping[str, Sequence[Row]], origins: Mapping[str, Sequence[rollups.Origin]]
    ) -> None:
        """Store a batch's posts, snapshots and interactions (``rows`` per table, ``origins``
        beside them) with their rollups, exactly once however often it is called for the same
        records, in whatever batches (shared/rollups.py): the raw rows of records the rollups
        already hold, then the deltas of the others with their marks (one insert), then their raw
        rows. A batch's posts are merged with what the store holds of them (shared/merge.py). The
        marks and the prior state are read at once, and the tables' raw rows inserted at once, each
        on a client of its own when the store has more (docs/decisions.md, "Where a record's
        processor time goes")."""
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
        every_mark = [m for ms in marks.values() for m in ms]
        # The marks and the prior state of every record are read at once; that state is the one to
        # compare with only when no record was applied before (step 3 of the proof).
        arriving = rollups.Arriving.of(rows)
        found, *prior = self.gather(
            lambda store: rollups.applied(store.client, every_mark), *_prior_reads(rows, arriving)
        )
        pending: Mapping[str, Sequence[Row]] = rows
        if found:
            done: dict[str, list[Row]] = {}
            left: dict[str, list[Row]] = {}
            for table, table_rows in rows.items():
                for row, key in zip(table_rows, marks[table], strict=True):
                    (done if key in found else left).setdefault(table, []).append(row)
            for table, table_rows in sorted(done.items()):
                keys = [m for m in marks[table] if m in found]
                if table == POSTS.name:
                    table_rows = merged_rows(table_rows, stored_posts(self.client, table_rows))
                self._insert_raw(table, table_rows, keys, self)
            if not left:
                return
            pending = left
            arriving = rollups.Arriving.of(pending)  # read again: the applied rows are in now
            prior = self.gather(*_prior_reads(pending, arriving))
        stored, interactions, snapshots = prior
        merged = merged_rows(pending.get(POSTS.name, []), stored)
        deltas = rollups.deltas_for(pending, arriving, stored, merged, interactions, snapshots)
        pending_marks = [m for table in pending for m in marks[table] if m not in found]
        rollups.insert(self.client, deltas, pending_marks, _token("rollups", pending_marks))
        inserts = []
        for table, table_rows in sorted(pending.items()):
            keys = [m for m in marks[table] if m not in found]
            inserts.append(
                partial(self._insert_raw, table, merged if table == POSTS.name else table_rows, keys)
            )
        self.gather(*inserts)  # the tables' raw rows at once, after the deltas and marks

    def _insert_raw(
        self, table: str, rows: Sequence[Row], keys: Sequence[tuple[str, str]], store: Store
    ) -> None:
        """The raw rows of ``table`` on the client of ``store`` (this one, or one :meth:`gather`
        lends)."""
        spec = TABLES[table]
        store.client.insert(
            spec.name,
            list(zip(*rows, strict=True)),
            column_names=list(spec.column_names),
            column_oriented=True,
            settings={"insert_deduplication_token": _token(table, keys), "async_insert": 0},
        )

    def query(self, sql: str, parameters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        with self._lock:
            result = self.client.query(sql, parameters=parameters or {})
        return [dict(zip(result.column_names, row, strict=False)) for row in result.result_rows]

    def gather(self, *reads: Callable[[Store], Any]) -> list[Any]:
        """The answers of ``reads`` (each called with a store), in order, the reads run at once on
        clients of their own: a report's queries, or a batch's lookups and inserts, overlap their
        planning and their rows' decoding instead of queueing on one client (docs/decisions.md,
        "A report's reads at once"). The first runs on this store; the others borrow spare stores,
        made when none is free and kept."""
        if self._more_clients is None or len(reads) < 2:
            return [read(self) for read in reads]
        spares = [self._spare() for _ in reads[1:]]
        futures = [_READS.submit(read, spare) for read, spare in zip(reads[1:], spares, strict=True)]
        try:
            first = reads[0](self)
            return [first, *(future.result() for future in futures)]
        finally:
            wait(futures)  # a failed read leaves the others to finish before their stores go back
            for spare in spares:
                self._spares.put(spare)

    def _spare(self) -> Store:
        try:
            return self._spares.get_nowait()
        except queue.Empty:
            assert self._more_clients is not None
            return Store(self._more_clients())


class Ping:
    """Whether ClickHouse answers ``SELECT 1``, on a client of its own made at the first call:
    a readiness probe never waits for the store's lock, which a long report query holds."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._client: Client | None = None

    def __call__(self) -> bool:
        try:
            if self._client is None:
                self._client = server(self.settings)
            self._client.command("SELECT 1")
            return True
        except ClickHouseError:
            self._client = None
            return False


def _prior_reads(
    rows: Mapping[str, Sequence[Row]], arriving: rollups.Arriving
) -> list[Callable[[Store], Any]]:
    """The reads of what the store holds of the records in ``rows`` (``arriving``, grouped), before
    their deltas: the stored posts (for the merge), interactions and snapshots (shared/rollups.py)."""
    return [
        lambda store: stored_posts(store.client, rows.get(POSTS.name, ())),
        lambda store: rollups.stored_interactions(store.client, arriving),
        lambda store: rollups.stored_snapshots(store.client, arriving),
    ]


def _token(table: str, marks: Sequence[tuple[str, str]]) -> str:
    """An insert's deduplication token: its table and the records it holds (partition, offset and
    version each), so a retry of the same records is dropped and no other insert shares it."""
    digest = hashlib.sha256("\n".join(f"{a} {b}" for a, b in sorted(marks)).encode()).hexdigest()
    return f"{table}:{len(marks)}:{digest[:32]}"


def open_store(settings: Settings, database: str | None = None, *, migrating: bool | None = None) -> Store:
    """A store on the configured ClickHouse with the schema up to date: what the commands and
    local mode open before reading or writing. ``migrating`` (default: no cluster is set)
    applies the pending migrations here, in-process, as local mode does at every start;
    otherwise only ``sada migrate`` migrates, and a store behind is refused."""
    more_clients = partial(connect, settings, database, create=False)
    if migrating if migrating is not None else not settings.clickhouse_cluster:
        client = connect(settings, database)
        migrate(client, cluster=settings.clickhouse_cluster)
        return Store(client, more_clients)
    client = more_clients()
    done = {row[0] for row in client.query("SELECT DISTINCT version FROM schema_migrations").result_rows}
    if missing := required() - done:
        raise SchemaBehind(
            f"the ClickHouse schema lacks versions {sorted(missing)}: run `sada migrate` first"
        )
    return Store(client, more_clients)
