"""The record contract (shared/records.py): each table's declared columns are the columns
the migrations create, in order, and every record model becomes a row of its table."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from shared.events import validate_object
from shared.records import (
    INTERACTIONS,
    MENTIONS,
    METRICS,
    POSTS,
    RECORD_TABLES,
    TABLES,
    DeadLetter,
    dead_letter_row,
    record_row,
)
from shared.settings import Settings
from shared.store import connect, migrate

AT = "2024-01-01T00:00:00Z"
RECORDS = {
    "posts": {"type": "post", "post_id": "1", "created_at": AT, "text": "#Go #go", "followers": 5},
    "metrics": {"type": "metrics", "post_id": "1", "observed_at": AT, "likes": 3},
    "interactions": {
        "type": "interaction",
        "post_id": "1",
        "interaction_id": "i",
        "kind": "like",
        "occurred_at": AT,
    },
    "mentions": {"type": "mention", "url": "https://News.example/a/?utm_source=x", "published_at": AT},
}


def test_every_declared_table_has_the_columns_of_the_migrated_store(chdb_dir):
    client = connect(Settings(data_dir=chdb_dir), "records_contract")
    migrate(client)
    for name, table in TABLES.items():
        described = [row[0] for row in client.query(f"DESCRIBE TABLE {name}").result_rows]
        assert list(table.column_names) == described, name


def test_every_record_model_has_a_table():
    assert set(RECORD_TABLES.values()) == {POSTS, METRICS, INTERACTIONS, MENTIONS}


@pytest.mark.parametrize("table", sorted(RECORDS))
def test_a_record_becomes_a_row_of_its_table_read_back_by_name(table):
    record = validate_object({"event": "e", "platform": "x", **RECORDS[table]})
    name, row = record_row(record, 7)
    assert name == table and len(row) == len(TABLES[table].column_names)
    assert TABLES[table].reader("event", "version")(row) == ("e", 7)


def test_the_mention_row_keeps_the_normalised_url_and_the_original():
    record = validate_object({"event": "e", "platform": "web", **RECORDS["mentions"]})
    _, row = record_row(record, 1)
    assert MENTIONS.reader("url", "original_url")(row) == (
        "https://news.example/a",
        "https://News.example/a/?utm_source=x",
    )


def test_a_post_row_counts_a_tag_spelt_twice_once():
    _, row = record_row(validate_object({"event": "e", "platform": "x", **RECORDS["posts"]}), 1)
    assert POSTS.reader("hashtags", "hashtag_keys")(row) == (["#Go"], ["go"])


def test_a_dead_letter_row_has_no_version():
    letter = DeadLetter(uuid.uuid4(), datetime.now(UTC), "e", "kafka:t", 3, "type", "missing", b"{}")
    name, row = dead_letter_row(letter)
    assert name == "rejected" and TABLES[name].reader("line", "raw")(row) == (3, b"{}")
