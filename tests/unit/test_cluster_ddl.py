"""The cluster form of the schema (shared/cluster.py, shared/schema.py), over the real migration
files: every table Replicated* ON CLUSTER, checked by ClickHouse's own parser.

chDB cannot run Replicated engines (no Keeper) nor ON CLUSTER (no remote_servers), but its
parser is ClickHouse's: ``formatQuery`` parses each cluster statement and prints it back
normalised, and ``system.table_engines`` / ``system.merge_tree_settings`` say the engines and
settings exist. Running the DDL on a real cluster is left to the Job.
"""

from __future__ import annotations

import re

import pytest
from harness import sada

from shared.cluster import NoClusterForm, on_cluster
from shared.schema import VERSIONS_TABLE, dry_run, numbered, statements, views
from shared.settings import Settings
from shared.sqlfiles import expand
from shared.store import connect, migrate

PATH = "'/clickhouse/tables/{shard}/{database}/{table}', '{replica}'"
CREATED = re.compile(
    r"^CREATE (?:OR REPLACE )?(?:TABLE|VIEW|MATERIALIZED VIEW)(?: IF NOT EXISTS)? (\w+)", re.M
)


def _sent(cluster: str) -> list[str]:
    """The statements of a dry run, without their comment lines."""
    text = "\n".join(line for line in dry_run(cluster).splitlines() if not line.startswith("--"))
    return [s.strip() for s in text.split(";") if s.strip()]


@pytest.fixture(scope="module")
def local_tables(chdb_dir):
    """The tables and views of a store migrated the local way, from the real files."""
    client = connect(Settings(data_dir=chdb_dir), "cluster_ddl_reference")
    migrate(client)
    rows = client.query("SELECT name, engine FROM system.tables WHERE database = currentDatabase()")
    return dict(rows.result_rows), client


def test_replacing_merge_tree_becomes_the_replicated_engine_with_its_keeper_path():
    statement = (
        "CREATE TABLE IF NOT EXISTS t (a UInt8, version UInt64) "
        "ENGINE = ReplacingMergeTree(version) ORDER BY a"
    )
    assert on_cluster(statement, "sada") == (
        "CREATE TABLE IF NOT EXISTS t ON CLUSTER 'sada' (a UInt8, version UInt64) "
        f"ENGINE = ReplicatedReplacingMergeTree({PATH}, version) ORDER BY a"
    )
    assert on_cluster("CREATE TABLE t (a UInt8) ENGINE = SummingMergeTree((a, b)) ORDER BY a", "c") == (
        "CREATE TABLE t ON CLUSTER 'c' (a UInt8) "
        f"ENGINE = ReplicatedSummingMergeTree({PATH}, (a, b)) ORDER BY a"
    )
    assert on_cluster(statement, "") == statement


@pytest.mark.parametrize(
    ("statement", "says"),
    [
        ("CREATE TABLE t (a UInt8) ENGINE = Memory", "cannot be replicated"),
        ("CREATE TABLE t (a UInt8) ENGINE = Log", "cannot be replicated"),
        ("CREATE TABLE t ON CLUSTER 'x' (a UInt8) ENGINE = MergeTree ORDER BY a", "without ON CLUSTER"),
        ("CREATE TABLE t (a UInt8) ENGINE = ReplicatedMergeTree('/p', 'r') ORDER BY a", "plain engine"),
        ("RENAME TABLE a TO b", "teach shared/cluster.py"),
        ("CREATE FUNCTION f AS (x) -> x", "teach shared/cluster.py"),
    ],
)
def test_what_has_no_safe_cluster_form_is_refused(statement, says):
    with pytest.raises(NoClusterForm, match=re.escape(says)):
        on_cluster(statement, "sada")


def test_data_statements_run_once_unchanged():
    backfill = "-- fill\nINSERT INTO a SELECT * FROM b"
    assert on_cluster(backfill, "sada") is backfill


def test_every_table_of_every_migration_becomes_replicated_on_cluster(local_tables):
    """Over the real files, .py migrations included: every CREATE and ALTER goes ON CLUSTER, every
    engine is Replicated*, and every MergeTree table the local migration makes is created so."""
    tables, _ = local_tables
    sent = _sent("sada")
    created = set()
    for statement in sent:
        if statement.startswith("INSERT"):
            continue
        assert re.match(r"^(CREATE|ALTER|DROP|TRUNCATE)\b", statement), statement
        assert re.search(r"^\S.* ON CLUSTER 'sada'", statement.splitlines()[0]), statement
        assert "non_replicated" not in statement
        for engine in re.findall(r"ENGINE = (\w+)\(", statement):
            assert engine.startswith("Replicated") and statement.count(PATH) == 1, statement
        created |= set(CREATED.findall(statement))
    merge_trees = {name for name, engine in tables.items() if engine.endswith("MergeTree")}
    assert merge_trees, "the local migration made no table"
    assert merge_trees | {n for n, e in tables.items() if "View" in e} <= created
    window = [s for s in sent if "deduplication_window" in s]
    assert window and all("replicated_deduplication_window = 1000" in s for s in window)


def test_clickhouses_parser_reads_every_cluster_statement(local_tables):
    _, client = local_tables
    engines = dict(client.query("SELECT name, supports_replication FROM system.table_engines").result_rows)
    assert client.query(
        "SELECT count() FROM system.merge_tree_settings WHERE name = 'replicated_deduplication_window'"
    ).result_rows == [(1,)]
    for statement in _sent("sada"):
        [(formatted,)] = client.query(
            "SELECT formatQuery({q:String})", parameters={"q": statement}
        ).result_rows
        if not statement.startswith("INSERT"):
            assert " ON CLUSTER sada" in formatted.splitlines()[0], formatted
        for engine in re.findall(r"ENGINE = (\w+)", formatted):
            assert engines.get(engine) == 1, f"{engine} is not a replicated engine ClickHouse knows"


def test_without_a_cluster_the_dry_run_is_the_files_statements_exactly():
    expected = [VERSIONS_TABLE]
    for _, file in numbered():
        if file.name.endswith(".sql"):
            expected.extend(statements(file.read_text("utf-8")))
        elif file.name == "006_engagements.py":
            expected.extend(s for s in _sent("") if s.startswith("ALTER TABLE post_") and "engagements" in s)
        elif file.name == "010_rollups_backfill.py":
            expected.append("TRUNCATE TABLE rollups")  # rollups.rebuild starts from an empty table
    for view in views():
        expected.extend(statements(expand(view.read_text("utf-8"))))
    assert _sent("") == expected
    assert "ON CLUSTER" not in dry_run("") and "Replicated" not in dry_run("")


def test_sada_migrate_dry_run_prints_replicated_engines_on_cluster_sada_only():
    clustered = sada("migrate", "--dry-run", env={"SADA_CLICKHOUSE_CLUSTER": "sada"})
    assert clustered.returncode == 0, clustered.stderr
    engines = re.findall(r"ENGINE = (\w+)", clustered.stdout)
    assert engines and all(e.startswith("Replicated") for e in engines)
    ddl = [line for line in clustered.stdout.splitlines() if re.match(r"^(CREATE|ALTER|DROP)\b", line)]
    assert ddl and all(" ON CLUSTER 'sada'" in line for line in ddl)
    plain = sada("migrate", "--dry-run", env={"SADA_CLICKHOUSE_CLUSTER": ""})
    assert plain.returncode == 0, plain.stderr
    assert "ON CLUSTER" not in plain.stdout and "Replicated" not in plain.stdout
    assert "ENGINE = ReplacingMergeTree(version)" in plain.stdout
