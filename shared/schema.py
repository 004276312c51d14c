"""The migrations runner: numbered migrations applied once each, on one server or a cluster.

A migration is ``shared/migrations/NNN_name.sql`` (statements) or ``NNN_name.py`` (a module
whose ``apply(client, progress)`` does the work: a data backfill, or SQL made from a
definition in Python). ``schema_migrations`` records each version applied; then every view
of ``shared/views`` is re-created (views hold no data, so the file in the tree is always the
definition in force).

With a cluster name (``SADA_CLICKHOUSE_CLUSTER``) every statement, those a ``.py``
migration sends included, goes through :func:`shared.cluster.on_cluster` at apply time:
the files are written once, for one server, and a new migration is covered without
edits. Who runs this: local mode at start, in-process (one process per chDB directory, so
nobody else can be migrating); in distributed mode only ``sada migrate``, under the lock of
``shared/schema_lock.py``, while the services wait for the versions they need
(``shared/schema_gate.py``).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any, cast

from clickhouse_connect.driver.client import Client

from shared.cluster import on_cluster
from shared.progress import Progress, throttled
from shared.sqlfiles import expand

MIGRATIONS = "shared.migrations"
VIEWS = "shared.views"
_VERSION = re.compile(r"^(\d+)_\w*\.(sql|py)$")
VERSIONS_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, name String, "
    "applied_at DateTime DEFAULT now()) ENGINE = ReplacingMergeTree ORDER BY version"
)


def statements(sql: str) -> list[str]:
    """Split a migration file into statements; comments are dropped first."""
    body = "\n".join(line for line in sql.splitlines() if not line.strip().startswith("--"))
    return [statement.strip() for statement in body.split(";") if statement.strip()]


def numbered(package: str = MIGRATIONS) -> list[tuple[int, Traversable]]:
    """The migrations of ``package``, by version."""
    found = []
    for file in resources.files(package).iterdir():
        if match := _VERSION.match(file.name):
            found.append((int(match.group(1)), file))
    versions = [version for version, _ in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations in {package} share a number: {sorted(versions)}")
    return sorted(found, key=lambda pair: pair[0])


def required() -> frozenset[int]:
    """The versions this code needs applied: every migration in its tree."""
    return frozenset(version for version, _ in numbered())


def views() -> list[Traversable]:
    return sorted(
        (f for f in resources.files(VIEWS).iterdir() if f.name.endswith(".sql")), key=lambda f: f.name
    )


@dataclass
class _Result:
    result_rows: list[Any] = field(default_factory=list)
    column_names: tuple[str, ...] = ()


class Target:
    """The client a migration talks to: each ``command`` in its cluster form (unchanged
    without a cluster). Without a client it only records the statements (``--dry-run``):
    queries find nothing, as on a fresh database."""

    def __init__(self, client: Client | None, cluster: str = ""):
        self.client = client
        self.cluster = cluster
        self.sent: list[str] = []

    def command(self, statement: str, parameters: Any = None, **kwargs: Any) -> Any:
        clustered = on_cluster(statement, self.cluster)
        notes = [] if parameters is None else [f"-- parameters: {parameters}"]
        if self.cluster and clustered is statement:  # a data statement: once, the rows replicate
            notes.append("-- once, on one replica (its rows replicate)")
        self.sent.append("\n".join([*notes, clustered]))
        statement = clustered
        if self.client is None:
            return None
        return self.client.command(statement, parameters=parameters, **kwargs)

    def query(self, *args: Any, **kwargs: Any) -> Any:
        return _Result() if self.client is None else self.client.query(*args, **kwargs)

    def insert(self, *args: Any, **kwargs: Any) -> Any:
        return None if self.client is None else self.client.insert(*args, **kwargs)


def migrate(
    client: Client, progress: Progress | None = None, cluster: str = "", until: int | None = None
) -> list[str]:
    """Apply the numbered migrations not yet applied, in order; return their file names.
    ``until`` stops after that number, views left as they are (a test builds a store as an older
    version left it)."""
    return _apply(Target(client, cluster), progress or throttled(5.0), until)


def dry_run(cluster: str = "") -> str:
    """Every statement a fresh database gets, in order, as ``sada migrate`` would send it to
    the target ``cluster`` names (one server when empty); nothing is connected."""
    target = Target(None, cluster)
    lines = []
    for name, sent in _steps(target, lambda _: None, done=frozenset()):
        lines.append(f"-- {name}")
        lines.extend(s if _comment(s) else f"{s};\n" for s in sent)
    return "\n".join(lines)


def _comment(line: str) -> bool:
    return line.startswith("-- ") and "\n" not in line


def _apply(target: Target, progress: Progress, until: int | None = None) -> list[str]:
    target.command(VERSIONS_TABLE)
    client = cast(Client, target.client)
    done = frozenset(
        row[0] for row in client.query("SELECT version FROM schema_migrations FINAL").result_rows
    )
    applied = []
    for name, _ in _steps(target, progress, done, until):
        if name.split("_", 1)[0].isdigit():
            applied.append(name)
    return applied


def _steps(
    target: Target, progress: Progress, done: frozenset[int], until: int | None = None
) -> Iterator[tuple[str, list[str]]]:
    """Run each pending migration (up to ``until``), then the views; yield (name, statements
    sent) after each."""
    if target.client is None:
        target.command(VERSIONS_TABLE)
        yield "schema_migrations (the versions applied)", _drain(target)
    for version, file in numbered():
        if version in done:
            continue
        if until is not None and version > until:
            return
        progress(f"  migration {file.name}")
        if file.name.endswith(".py"):
            module = importlib.import_module(f"{MIGRATIONS}.{file.name.removesuffix('.py')}")
            if target.client is None:
                target.sent.append("-- a Python migration: these are its statements on a fresh database")
            # a migration takes a Client; Target answers the calls migrations make of one
            module.apply(cast(Client, target), progress)
        else:
            for statement in statements(file.read_text(encoding="utf-8")):
                target.command(statement)
        target.insert("schema_migrations", [[version, file.name]], column_names=["version", "name"])
        yield file.name, _drain(target)
    for view in views():
        for statement in statements(expand(view.read_text(encoding="utf-8"))):
            target.command(statement)
        yield f"view {view.name}", _drain(target)


def _drain(target: Target) -> list[str]:
    sent, target.sent = target.sent, []
    return sent
