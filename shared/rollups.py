"""Rollups kept by deltas: a batch costs what the batch holds, not what its posts already have.

The ``rollups`` table (migration 009) holds, per post, its changes per UTC minute and hour and
its sums over all time, and the data window's moments; every column is summed. For each batch,
the store reads the prior state of only the identities the batch carries (the stored version of
each interaction id, :func:`stored_interactions`; the stored row of each post; the stored
snapshots of each post from the batch's earliest one on, :func:`stored_snapshots`), through the
raw tables' sort keys, and :func:`deltas_for` (with :mod:`shared.deltas`) turns old and new into
the rows to add.

Exactly once: the deltas of a batch and a *mark* per record they cover are one insert, so
they land together or not at all, and the raw rows are inserted after them. A record whose mark
is found (a retried batch, a batch read again after a crash, in any other cut) is not counted
again; its raw row is inserted first, so what the rest of the batch is compared with is the
state the marked deltas assumed. docs/decisions.md, "Rollups by delta", has the proof.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from clickhouse_connect.driver.client import Client

from shared import deltas as d
from shared.chunks import LOOKUP_CHUNK, chunked
from shared.events import COUNTERS
from shared.progress import Progress
from shared.records import INTERACTIONS, METRICS, POSTS, TABLES, Row
from shared.sqlfiles import sql

SQL = "shared.rollup_sql"
APPLIED = "~applied"  # the marks' event: no event slug can take it ([a-z0-9-])
ROLLUP_TABLES = (POSTS.name, METRICS.name, INTERACTIONS.name)  # the raw tables whose records count
OFFSET_DIGITS = 20  # a mark's offset, zero-padded: text order is offset order (applied.sql)
Origin = tuple[str, int, int]  # (topic, partition, offset) of the message a row came from
# One insert must be one part (all or nothing): no splitting below these (ClickHouse's defaults).
ONE_PART = {"max_insert_block_size": 1_048_449, "min_insert_block_size_rows": 1_048_449, "async_insert": 0}


def mark(origin: Origin, version: int) -> tuple[str, str]:
    topic, partition, offset = origin
    return (f"{topic}:{partition}", f"{offset:0{OFFSET_DIGITS}d}/{version}")


def mark_columns(marks: Sequence[tuple[str, str]]) -> list[Sequence[Any]]:
    """The marks' rows of ``rollups``, column by column: pieces 1, every other sum 0."""
    n = len(marks)
    partitions = [partition for partition, _ in marks]
    placed = [offset_version for _, offset_version in marks]
    values: list[Sequence[Any]] = [[1] * n, *([[0] * n] * (len(d.VALUES) - 1))]
    return [[APPLIED] * n, ["applied"] * n, partitions, placed, [d.EPOCH] * n, *values]


def applied(client: Client, marks: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
    """The marks among ``marks`` the rollups hold, in one query: per partition, the range of
    offsets the marks have there (binding one value per record cost more than the lookup), the
    ranges joined by ``OR`` and read through the sort key, the marks' rows summed here."""
    ranges: dict[str, tuple[int, int]] = {}
    for partition, placed in marks:
        offset = int(placed[:OFFSET_DIGITS])
        low, high = ranges.get(partition, (offset, offset))
        ranges[partition] = (min(low, offset), max(high, offset))
    if not ranges:
        return set()
    lookup = sql(SQL, "applied_range")
    conditions: list[str] = []
    parameters: dict[str, str] = {}
    for n, (partition, (low, high)) in enumerate(sorted(ranges.items())):
        conditions.append(
            lookup.replace("{partition:", f"{{partition{n}:")
            .replace("{low:", f"{{low{n}:")
            .replace("{high:", f"{{high{n}:")
        )
        parameters |= {
            f"partition{n}": partition,
            f"low{n}": f"{low:0{OFFSET_DIGITS}d}/",
            f"high{n}": f"{high + 1:0{OFFSET_DIGITS}d}/",
        }
    query = sql(SQL, "applied").replace("$ranges", "\n  OR ".join(conditions))
    pieces: dict[tuple[str, str], int] = defaultdict(int)
    for platform, post_id, count in client.query(query, parameters=parameters).result_rows:
        pieces[(platform, post_id)] += count
    return {key for key, count in pieces.items() if count > 0}.intersection(marks)


def insert(client: Client, deltas: d.Deltas, marks: Sequence[tuple[str, str]], token: str) -> None:
    """The batch's deltas and the marks of the records they cover, as one insert (one part)."""
    columns = [
        [*changed, *marked]
        for changed, marked in zip(deltas.table_columns(), mark_columns(marks), strict=True)
    ]
    client.insert(
        "rollups",
        columns,
        column_names=list(d.COLUMNS),
        column_oriented=True,
        settings={**ONE_PART, "insert_deduplication_token": token},
    )


# What a batch is compared with: per (event, platform, interaction_id) the stored version; per post
# its stored snapshots from the batch's earliest on and, per counter, the anchor before that.
Interactions = dict[tuple[str, str, str], d.Placed]
Snapshots = dict[d.Post, tuple[list[d.Snapshot], list[d.Anchor]]]


@dataclass(frozen=True)
class Arriving:
    """A batch's interactions per (event, platform, interaction_id) and snapshots per post, grouped
    once per batch: the reads of their prior state and the deltas both go by them."""

    interactions: dict[tuple[str, str, str], list[d.Placed]]
    snapshots: dict[d.Post, list[d.Snapshot]]

    @classmethod
    def of(cls, tables: Mapping[str, Sequence[Row]]) -> Arriving:
        return cls(
            _arriving_interactions(tables.get(INTERACTIONS.name, ())),
            _arriving_snapshots(tables.get(METRICS.name, ())),
        )


def deltas_for(
    tables: Mapping[str, Sequence[Row]],
    arriving: Arriving,
    stored_posts: Sequence[Mapping[str, Any]],
    merged_posts: Sequence[Row],
    interactions: Interactions,
    snapshots: Snapshots,
) -> d.Deltas:
    """The changes ``tables`` (raw rows per table, not yet stored; ``arriving``, theirs grouped)
    make to the rollups, from the prior state of what they carry: ``stored_posts`` and
    ``merged_posts`` are the batch's posts before and after it, ``interactions`` and
    ``snapshots`` what :func:`stored_interactions` and :func:`stored_snapshots` read of them."""
    deltas = d.Deltas()
    for table, rows in tables.items():  # a post is listed once any record names it
        of = TABLES[table].reader("event", "platform", "post_id")
        for row in rows:
            deltas.total(of(row), +1, pieces=1)
    _posts(deltas, stored_posts, merged_posts)
    for (event, platform, interaction_id), placed in arriving.interactions.items():
        old = interactions.get((event, platform, interaction_id))
        new = d.latest(old, placed)
        if new != old:
            d.interaction_pieces(deltas, event, platform, old, -1)
            d.interaction_pieces(deltas, event, platform, new, +1)
    for post, received in arriving.snapshots.items():
        stored, anchors = snapshots[post]
        d.snapshot_changes(deltas, post, stored, received, anchors)
    return deltas


def _posts(deltas: d.Deltas, stored: Sequence[Mapping[str, Any]], merged: Sequence[Row]) -> None:
    before = {(r["event"], r["platform"], r["post_id"]): r["created_at"] for r in stored}
    of = POSTS.reader("event", "platform", "post_id", "created_at")
    for row in merged:
        event, platform, post_id, created_at = of(row)
        post = (event, platform, post_id)
        d.post_pieces(deltas, post, before.get(post), -1)
        d.post_pieces(deltas, post, created_at, +1)


def _arriving_interactions(rows: Sequence[Row]) -> dict[tuple[str, str, str], list[d.Placed]]:
    of = INTERACTIONS.reader(
        "event", "platform", "interaction_id", "post_id", "kind", "occurred_at", "version"
    )
    arriving: dict[tuple[str, str, str], list[d.Placed]] = defaultdict(list)
    for row in rows:
        event, platform, interaction_id, post_id, kind, occurred_at, version = of(row)
        arriving[(event, platform, interaction_id)].append(d.Placed(post_id, kind, occurred_at, version))
    return arriving


def stored_interactions(client: Client, arriving: Arriving) -> Interactions:
    """The stored version of each interaction id among those arriving."""
    ids: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for event, platform, interaction_id in arriving.interactions:
        ids[event].append((platform, interaction_id))
    stored: Interactions = {}
    for event, keys in ids.items():
        for chunk in chunked(sorted(keys), LOOKUP_CHUNK):
            result = client.query(sql(SQL, "stored_interactions"), parameters={"event": event, "ids": chunk})
            for platform, interaction_id, post_id, kind, occurred_at, version in result.result_rows:
                stored[(event, platform, interaction_id)] = d.Placed(post_id, kind, occurred_at, int(version))
    return stored


def _arriving_snapshots(rows: Sequence[Row]) -> dict[d.Post, list[d.Snapshot]]:
    of = METRICS.reader("event", "platform", "post_id", "observed_at", *COUNTERS, "version")
    arriving: dict[d.Post, list[d.Snapshot]] = defaultdict(list)
    for row in rows:
        event, platform, post_id, observed_at, *values, version = of(row)
        arriving[(event, platform, post_id)].append(d.Snapshot(d.utc(observed_at), tuple(values), version))
    return arriving


def stored_snapshots(client: Client, arriving: Arriving) -> Snapshots:
    """Per post with snapshots arriving: its stored snapshots from the earliest arriving on, and
    per counter the latest stored snapshot reporting it before that (:func:`_anchors`)."""
    posts: dict[str, dict[tuple[str, str], list[d.Snapshot]]] = defaultdict(dict)
    for (event, platform, post_id), snapshots in arriving.snapshots.items():
        posts[event][(platform, post_id)] = snapshots
    found: Snapshots = {}
    for event, of_event in posts.items():
        for chunk in chunked(sorted(of_event), LOOKUP_CHUNK):
            found |= _snapshot_chunk(client, event, {post: of_event[post] for post in chunk})
    return found


def _snapshot_chunk(client: Client, event: str, posts: dict[tuple[str, str], list[d.Snapshot]]) -> Snapshots:
    keys = list(posts)
    since = [min(s.observed_at for s in posts[key]) for key in keys]
    parameters = {"event": event, "posts": keys, "since": since}
    stored: dict[tuple[str, str], list[d.Snapshot]] = defaultdict(list)
    for platform, post_id, observed_at, *values, version in client.query(
        sql(SQL, "stored_snapshots"), parameters=parameters
    ).result_rows:
        stored[(platform, post_id)].append(d.Snapshot(d.utc(observed_at), tuple(values), int(version)))
    anchors = _anchors(client, event, keys, since, stored)
    return {(event, *key): (stored[key], anchors[key]) for key in keys}


def _anchors(
    client: Client,
    event: str,
    keys: list[tuple[str, str]],
    since: list[datetime],
    stored: Mapping[tuple[str, str], list[d.Snapshot]],
) -> dict[tuple[str, str], list[d.Anchor]]:
    """Per post and counter, the latest stored snapshot reporting it before the batch's earliest.
    When no stored snapshot from there on reports the counter, that is the latest of all, which
    the post's rollup row holds (one row); otherwise (out of order) the raw table is asked."""
    known: dict[tuple[str, str], list[d.Anchor]] = {}
    n = len(COUNTERS)
    for platform, post_id, *sums in client.query(
        sql(SQL, "latest_reported"), parameters={"event": event, "posts": keys}
    ).result_rows:
        reported, stamps, values = sums[:n], sums[n : 2 * n], sums[2 * n :]
        known[(platform, post_id)] = [
            (int(stamps[i]), int(values[i])) if reported[i] > 0 else None for i in range(n)
        ]
    anchors: dict[tuple[str, str], list[d.Anchor]] = {}
    late: list[int] = []  # positions in keys of posts with a stored snapshot reporting after `since`
    for position, key in enumerate(keys):
        anchors[key] = list(known.get(key, [None] * n))
        reporting = [any(s.values[i] is not None for s in stored[key]) for i in range(n)]
        if any(reporting):
            late.append(position)
            anchors[key] = [None if reporting[i] else anchors[key][i] for i in range(n)]
    if late:
        parameters = {"event": event, "posts": [keys[p] for p in late], "since": [since[p] for p in late]}
        for platform, post_id, counter, value, observed_at in client.query(
            sql(SQL, "reported_before"), parameters=parameters
        ).result_rows:
            index = COUNTERS.index(counter)
            if any(s.values[index] is not None for s in stored[(platform, post_id)]):
                anchors[(platform, post_id)][index] = (d.micros(observed_at), int(value))
    return anchors


def rebuild_event(client: Client, event: str) -> None:
    """Compute the rollups of one event that has none yet from the raw tables (its records written
    behind the aggregator's back, as the bench fills a store)."""
    client.command(sql(SQL, "rebuild_event"), parameters={"event": event})


def rebuild(client: Client, progress: Progress = lambda line: None) -> int:
    """Compute the rollups of every event from the raw tables, replacing what they held (a store
    filled by other means than the aggregator, or migrated from the recomputed rollups);
    returns the number of events. Safe to run again after an interruption."""
    events = sorted(row[0] for row in client.query(sql(SQL, "events")).result_rows)
    client.command("TRUNCATE TABLE rollups")
    for done, event in enumerate(events, start=1):
        rebuild_event(client, event)
        progress(f"  rollups: {done:,}/{len(events):,} events computed ({event})")
    return len(events)
