"""On a ClickHouse cluster the aggregator reads back the state it wrote (the rollups' deltas are
computed from it), so its client writes by quorum and reads with sequential consistency
(shared/store.py, ``write_consistency``); other clients and a single server keep the defaults.
ClickHouse itself is asked which settings each session carries."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from shared.events import validate_object
from shared.records import record_row
from shared.store import Store, connect, open_store

_databases = itertools.count()
NAMES = ("insert_quorum", "insert_quorum_parallel", "select_sequential_consistency")
DEFAULTS = {"insert_quorum": "0", "insert_quorum_parallel": "1", "select_sequential_consistency": "0"}


def session(client) -> dict[str, str]:
    rows = client.query(
        "SELECT name, value FROM system.settings WHERE name IN {names:Array(String)}",
        parameters={"names": list(NAMES)},
    ).result_rows
    return dict(rows)


def test_on_a_cluster_the_aggregators_client_writes_by_quorum_and_reads_in_sequence(settings):
    database = f"consistency{next(_databases)}"
    open_store(settings, database)  # the schema, made by a single server's migrate
    clustered = settings.model_copy(update={"clickhouse_cluster": "sada"})
    writer = connect(clustered, database, create=False, writer=True)
    assert session(writer) == {
        "insert_quorum": "auto",
        "insert_quorum_parallel": "0",
        "select_sequential_consistency": "1",
    }
    assert session(connect(clustered, database, create=False)) == DEFAULTS, (
        "the reporter's reads stay as they are"
    )
    assert session(connect(settings, database, create=False, writer=True)) == DEFAULTS, (
        "one server needs none"
    )

    post = validate_object(
        {
            "type": "post",
            "event": "quorum",
            "platform": "x",
            "post_id": "1",
            "created_at": "2026-10-26T09:00:00Z",
        },
        datetime(2026, 10, 26, 10, tzinfo=UTC),
    )
    table, row = record_row(post, 1)
    Store(writer).write_records({table: [row]}, {table: [("sada.posts", 0, 0)]})
    stored = writer.query("SELECT post_id, declared FROM post_figures(event = 'quorum')").result_rows
    assert stored == [("1", 1)]
