"""The record contract: for each record model, its ClickHouse table, its columns
and how a record becomes a row (DESIGN §3).

A :class:`Table` lists its columns in the order the migrations create them,
each with the function that reads its value from a record; the store inserts
rows in that order, and code that reads a row back (the rollups' touched posts)
asks the table for a column by name. ``tests/unit/test_records.py`` holds the
columns against ``DESCRIBE TABLE`` after the migrations.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from operator import attrgetter, itemgetter
from typing import Any

from shared.events import COUNTERS, Interaction, Mention, Metrics, Post, Record
from shared.hashtags import hashtag_key, hashtags_in
from shared.passes import PollerPass

Row = list[Any]


@dataclass(frozen=True)
class Column:
    """One column and where its value comes from: the record's attribute of the same
    name unless ``source`` says otherwise."""

    name: str
    source: Callable[[Any], Any] | None = None

    def value(self, item: object) -> Any:
        return self.source(item) if self.source is not None else getattr(item, self.name)


@dataclass(frozen=True)
class Columns:
    """Adjacent columns whose values one function gives together, so what they share is
    worked out once per row (a post's tags and their keys)."""

    names: tuple[str, ...]
    source: Callable[[Any], Sequence[Any]]


@dataclass(frozen=True)
class Table:
    """A raw table: its name, its columns in insert order, and whether the last column is
    the ``version`` (the time the collector received the record, in ns)."""

    name: str
    columns: tuple[Column | Columns, ...]
    versioned: bool = True

    @property
    def column_names(self) -> tuple[str, ...]:
        names = [name for c in self.columns for name in (c.names if isinstance(c, Columns) else (c.name,))]
        return tuple(names) + (("version",) if self.versioned else ())

    def row(self, item: object, version: int | None = None) -> Row:
        """The row of ``item`` in :attr:`column_names` order."""
        values: Row = []
        for column in self.columns:
            if isinstance(column, Columns):
                values.extend(column.source(item))
            else:
                values.append(column.value(item))
        if self.versioned:
            if version is None:
                raise ValueError(f"a {self.name} row needs a version")
            values.append(version)
        return values

    def reader(self, *names: str) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
        """A function giving the named columns of a row of this table, as a tuple."""
        positions = [self.column_names.index(name) for name in names]
        if len(positions) == 1:  # itemgetter of one position gives the value, not a tuple
            (position,) = positions
            return lambda row: (row[position],)
        return itemgetter(*positions)


def _columns(*names: str) -> tuple[Column, ...]:
    return tuple(Column(name) for name in names)


def _tags(post: Post) -> tuple[list[str], list[str]]:
    """One spelling per normalised tag (the first written), and the keys: a post counts once
    under each."""
    written = post.hashtags if post.hashtags is not None else hashtags_in(post.text or "")
    tags: dict[str, str] = {}
    for tag in written:
        tags.setdefault(hashtag_key(tag), tag)
    return list(tags.values()), list(tags)


def _or_empty(name: str) -> Column:
    """An optional text stored as '' when absent (a ``LowCardinality(String) DEFAULT ''`` column)."""
    return Column(name, lambda record: getattr(record, name) or "")


# Where each known field of a stored post came from: field -> (source, version). A record's row
# leaves it empty (every field it knows is its own); the aggregator's merge fills it
# (shared/merge.py), which is what makes merging order-independent.
def _no_provenance(_: Post) -> dict[str, tuple[str, int]]:
    return {}


SOURCE = _or_empty("source")

POSTS = Table(
    "posts",
    (
        *_columns("event", "platform", "post_id", "created_at", "account", "author", "text", "lang"),
        Columns(("hashtags", "hashtag_keys"), _tags),
        *_columns("url", "media", "media_url", "followers"),
        _or_empty("created_precision"),
        SOURCE,
        Column("provenance", _no_provenance),
    ),
)
METRICS = Table("metrics", (*_columns("event", "platform", "post_id", "observed_at", *COUNTERS), SOURCE))
INTERACTIONS = Table(
    "interactions",
    (
        *_columns("event", "platform", "interaction_id", "post_id", "kind", "occurred_at", "actor", "text"),
        SOURCE,
    ),
)
MENTIONS = Table(
    "mentions",
    (
        Column("event"),
        Column("url", attrgetter("normalised_url")),
        Column("original_url", attrgetter("url")),
        *_columns("platform", "published_at", "outlet", "country", "lang", "title", "audience"),
        SOURCE,
    ),
)


@dataclass(frozen=True)
class DeadLetter:
    """A refused record as the ``rejected`` table keeps it: why, and the original bytes."""

    reject_id: uuid.UUID
    received_at: datetime
    event: str
    source: str
    line: int
    field: str
    reason: str
    raw: bytes


REJECTED = Table("rejected", _columns(*(f.name for f in fields(DeadLetter))), versioned=False)

# One row per poller pass (shared/passes.py): the collection health the dashboards read.
POLLER_PASSES = Table(
    "poller_passes",
    (
        *_columns("event", "connector", "platform", "started_at", "ended_at"),
        Column("ok", lambda p: int(p.ok)),
        *_columns("state", "until", "why", "remedy", "paused", "records", "errors", "last_success"),
        *_columns("interval_s"),
    ),
)

RECORD_TABLES: dict[type, Table] = {
    Post: POSTS,
    Metrics: METRICS,
    Interaction: INTERACTIONS,
    Mention: MENTIONS,
}
TABLES = {table.name: table for table in (POSTS, METRICS, INTERACTIONS, MENTIONS, REJECTED, POLLER_PASSES)}


def record_row(record: Record, version: int) -> tuple[str, Row]:
    """The table of a valid record and its row there; ``version`` orders the versions of one record."""
    table = RECORD_TABLES[type(record)]
    return table.name, table.row(record, version)


def pass_row(passed: PollerPass, version: int) -> tuple[str, Row]:
    """The ``poller_passes`` row of a pass; ``version`` as for records (the arrival time)."""
    return POLLER_PASSES.name, POLLER_PASSES.row(passed, version)


def dead_letter_row(letter: DeadLetter) -> tuple[str, Row]:
    return REJECTED.name, REJECTED.row(letter)
