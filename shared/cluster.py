"""The cluster form of a migration statement: ``ON CLUSTER`` DDL and ``Replicated*`` engines.

Every migration is written once, for one server (``shared/migrations/*.sql``, and the
statements a ``.py`` migration sends). With ``SADA_CLICKHOUSE_CLUSTER`` set, the runner
(``shared/schema.py``) passes each statement through :func:`on_cluster` at apply time, so
a migration added later is covered without edits:

- ``CREATE TABLE``/``VIEW``/``MATERIALIZED VIEW``, ``ALTER TABLE``, ``DROP`` and
  ``TRUNCATE`` get ``ON CLUSTER '<cluster>'``: each runs on every replica through the
  cluster's distributed DDL queue. (ClickHouse docs, "Replicated* table engines": CREATE,
  DROP, ATTACH, DETACH and RENAME run on one server and are not replicated; the data of
  INSERT and ALTER is. An ALTER ON CLUSTER of a replicated table is done once per shard.)
- A MergeTree-family engine becomes its ``Replicated*`` form, its Keeper path
  ``/clickhouse/tables/{shard}/{database}/{table}`` and replica ``{replica}`` (macros the
  operator sets on every pod) before the engine's own arguments:
  ``ReplacingMergeTree(version)`` → ``ReplicatedReplacingMergeTree('…', '{replica}', version)``.
  An engine outside that family (Memory, Log, …) cannot be replicated: the transform
  refuses it, and so does the test over every migration.
- ``non_replicated_deduplication_window`` becomes ``replicated_deduplication_window``:
  the insert-token deduplication then lives in Keeper, shared by the replicas, so a batch
  retried against another replica is still a no-op.
- Data statements (``INSERT … SELECT`` backfills, ``OPTIMIZE``, ``SELECT``) run once, on
  the replica the connection reaches: the rows replicate; run on every replica they would
  be inserted once per replica. A statement of any other kind is refused with the
  sentence to read, so nobody ships a migration the cluster would half-apply.
"""

from __future__ import annotations

import re

KEEPER_PATH = "/clickhouse/tables/{shard}/{database}/{table}"
REPLICA = "{replica}"
MERGE_TREES = frozenset(
    {
        "MergeTree",
        "ReplacingMergeTree",
        "SummingMergeTree",
        "AggregatingMergeTree",
        "CollapsingMergeTree",
        "VersionedCollapsingMergeTree",
        "GraphiteMergeTree",
        "CoalescingMergeTree",
    }
)
_NAME = r"(?:`[^`]+`|\w+)(?:\.(?:`[^`]+`|\w+))?"
# The DDL that takes ON CLUSTER, the clause going right after the object's name.
_DDL = re.compile(
    rf"^(?P<head>(?:CREATE\s+(?:OR\s+REPLACE\s+)?(?:TABLE|VIEW|MATERIALIZED\s+VIEW|DICTIONARY)"
    rf"(?:\s+IF\s+NOT\s+EXISTS)?"
    rf"|ALTER\s+TABLE|DROP\s+(?:TABLE|VIEW|DICTIONARY)(?:\s+IF\s+EXISTS)?|TRUNCATE\s+TABLE(?:\s+IF\s+EXISTS)?)"
    rf"\s+{_NAME})(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)
_ONCE = re.compile(r"^(?:INSERT|SELECT|WITH|OPTIMIZE|SYSTEM)\b", re.IGNORECASE)
_ENGINE = re.compile(r"\bENGINE\s*=\s*(?P<engine>\w+)", re.IGNORECASE)
_WINDOW = re.compile(r"\bnon_replicated_deduplication_window\b", re.IGNORECASE)
_COMMENT = re.compile(r"^\s*(?:--[^\n]*(?:\n|$)\s*)*")


class NoClusterForm(ValueError):
    """A statement the transform cannot make safe for a replicated cluster."""


def on_cluster(statement: str, cluster: str) -> str:
    """``statement`` as it runs on ``cluster`` (see the module's docstring); ``cluster`` empty
    gives the statement unchanged."""
    if not cluster:
        return statement
    if not re.fullmatch(r"[\w.-]+", cluster):
        raise NoClusterForm(f"SADA_CLICKHOUSE_CLUSTER={cluster!r} is not a cluster name ([A-Za-z0-9_.-])")
    body = _COMMENT.sub("", statement, count=1).strip()
    if _ONCE.match(body):
        return statement
    ddl = _DDL.match(body)
    if ddl is None:
        raise NoClusterForm(
            f"no cluster form for {_first_line(body)!r}: teach shared/cluster.py this kind of statement"
        )
    rest = ddl.group("rest")
    if re.match(r"\s+ON\s+CLUSTER\b", rest, re.IGNORECASE):
        raise NoClusterForm(f"{_first_line(body)!r}: write migrations without ON CLUSTER; the runner adds it")
    return _replicated(f"{ddl.group('head')} ON CLUSTER '{cluster}'{rest}")


def _replicated(statement: str) -> str:
    """Every ``ENGINE = X(args)`` of ``statement`` in its Replicated form, and the replicated
    deduplication window for the non-replicated one."""
    out, at = [], 0
    for match in _ENGINE.finditer(statement):
        engine = match.group("engine")
        if engine.startswith("Replicated"):
            raise NoClusterForm(f"ENGINE = {engine}: write the plain engine; the runner replicates it")
        if engine not in MERGE_TREES:
            raise NoClusterForm(
                f"ENGINE = {engine} cannot be replicated: use a MergeTree-family engine "
                f"({', '.join(sorted(MERGE_TREES))})"
            )
        args, end = _arguments(statement, match.end())
        keeper = f"'{KEEPER_PATH}', '{REPLICA}'"
        out.append(statement[at : match.start()])
        out.append(f"ENGINE = Replicated{engine}({keeper}{', ' + args if args.strip() else ''})")
        at = end
    out.append(statement[at:])
    return _WINDOW.sub("replicated_deduplication_window", "".join(out))


def _arguments(text: str, at: int) -> tuple[str, int]:
    """The engine's argument list starting at ``at`` (``""`` without parentheses) and where
    it ends; nested parentheses and quoted strings are kept whole."""
    start = at
    while start < len(text) and text[start] in " \t\n":
        start += 1
    if start >= len(text) or text[start] != "(":
        return "", at
    depth, quote = 0, ""
    for i in range(start, len(text)):
        char = text[i]
        if quote:
            if char == quote and text[i - 1] != "\\":
                quote = ""
        elif char in "'`\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return text[start + 1 : i], i + 1
    raise NoClusterForm(f"unbalanced parentheses after ENGINE in {_first_line(text)!r}")


def _first_line(statement: str) -> str:
    return statement.strip().splitlines()[0][:80] if statement.strip() else ""
