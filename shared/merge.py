"""How the records of one post from several sources become its one stored row.

A post seen through the API, a webhook and an export file is one post (shared/identity.py),
but the sources do not know it equally well: an export knows only the date a post was
published, and leaves out what its columns do not hold. The rule (docs/decisions.md, "One
identity per post; merging a post's sources"), field by field:

- a field a record does not know (``None``, ``""``, no hashtags) never replaces a known one;
- ``created_at``: a day-precise value (``created_precision = "day"``) never replaces an exact one;
- between two known values, the finer source kind wins (``api``, ``webhook``, ``http``, and a
  row stored before sources were recorded, over ``export``); within one kind, the later
  version (the time the collector received the record).

Each field is chosen on its own, as the maximum of its candidates by that order (ties broken
by the source's name and then the value), so merging is commutative, associative and
idempotent: the same records in any order, in any batches, replayed or not, give the same row.
For that, the merged row keeps, per field, the source and version its value came from
(``provenance``), and a later merge compares against those, not against the row's own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from clickhouse_connect.driver.client import Client

from shared.chunks import LOOKUP_CHUNK, chunked
from shared.records import POSTS, Row
from shared.sqlfiles import sql

PostRow = dict[str, Any]
Origin = tuple[str, int]  # (source, version)

# Each merged field and the columns whose values it carries together.
FIELDS: dict[str, tuple[str, ...]] = {
    "created_at": ("created_at", "created_precision"),
    "account": ("account",),
    "author": ("author",),
    "text": ("text",),
    "lang": ("lang",),
    "hashtags": ("hashtags", "hashtag_keys"),
    "url": ("url",),
    "media": ("media",),
    "media_url": ("media_url",),
    "followers": ("followers",),
    "source": ("source",),
}
COARSE_KINDS = frozenset({"export"})
DAY = "day"
# What a column holds when no record knows its field.
UNKNOWN: dict[str, Any] = {"hashtags": [], "hashtag_keys": [], "created_precision": "", "source": ""}


def kind(source: str) -> str:
    """``api``, ``webhook``, ``export`` or ``http`` (the part before the first ``:``)."""
    return source.split(":", 1)[0]


def fineness(source: str) -> int:
    """1 for a source that reads the platform's own record (or a row from before sources were
    stored, ``""``), 0 for an export file."""
    return 0 if kind(source) in COARSE_KINDS else 1


def _known(field: str, row: Mapping[str, Any]) -> bool:
    if field in ("created_at", "source"):
        return True
    value = row[FIELDS[field][0]]
    return value is not None and value != "" and value != []


def _origin(field: str, row: Mapping[str, Any]) -> Origin:
    found = (row.get("provenance") or {}).get(field)
    if found:
        source, version = found
        return str(source), int(version)
    return str(row["source"] or ""), int(row["version"])


def _rank(field: str, row: Mapping[str, Any]) -> tuple[Any, ...]:
    source, version = _origin(field, row)
    values = tuple(row[column] for column in FIELDS[field])
    precise = 0 if field == "created_at" and row["created_precision"] == DAY else 1
    return (precise, fineness(source), version, source, repr(values))


def _utc(value: Any) -> Any:
    """ClickHouse gives a DateTime64 back naive (in UTC); a decoded record's is aware."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _normalised(row: Mapping[str, Any]) -> PostRow:
    found = dict(row)
    found["created_at"] = _utc(found["created_at"])
    found["source"] = found.get("source") or ""
    found["created_precision"] = found.get("created_precision") or ""
    found["provenance"] = {k: (str(s), int(v)) for k, (s, v) in (found.get("provenance") or {}).items()}
    return found


def merge_posts(rows: Iterable[Mapping[str, Any]]) -> PostRow:
    """The one row of a post (every row given is of the same event, platform and post_id)."""
    found = [_normalised(row) for row in rows]
    if not found:
        raise ValueError("merging a post takes at least one row")
    merged = dict(found[0])
    provenance: dict[str, Origin] = {}
    for field, columns in FIELDS.items():
        candidates = [row for row in found if _known(field, row)]
        if not candidates:
            for column in columns:
                merged[column] = UNKNOWN.get(column)
            continue
        best = (
            candidates[0] if len(candidates) == 1 else max(candidates, key=lambda row, f=field: _rank(f, row))  # type: ignore[misc]
        )
        for column in columns:
            merged[column] = best[column]
        provenance[field] = _origin(field, best)
    merged["provenance"] = provenance
    merged["version"] = max(row["version"] for row in found)
    return merged


def merged_rows(batch: Sequence[Row], stored: Iterable[Mapping[str, Any]]) -> list[Row]:
    """The rows to insert for a batch's ``posts`` rows: one per post, each merged with what the
    store already holds of it (``stored``: rows by column name, of the batch's posts)."""
    names = POSTS.column_names
    groups: dict[tuple[str, str, str], list[Mapping[str, Any]]] = {}
    for row in batch:
        named = dict(zip(names, row, strict=True))
        groups.setdefault((named["event"], named["platform"], named["post_id"]), []).append(named)
    for found in stored:
        key = (found["event"], found["platform"], found["post_id"])
        if key in groups:
            groups[key].append(found)
    return [[merged[name] for name in names] for merged in map(merge_posts, groups.values())]


def stored_posts(client: Client, rows: Sequence[Row]) -> list[dict[str, Any]]:
    """The stored row (``FINAL``) of each post the ``posts`` ``rows`` name, by column name."""
    keys: dict[str, set[tuple[str, str]]] = {}
    post_of = POSTS.reader("event", "platform", "post_id")
    for row in rows:
        event, platform, post_id = post_of(row)
        keys.setdefault(event, set()).add((platform, post_id))
    found: list[dict[str, Any]] = []
    for event, posts in sorted(keys.items()):
        for chunk in chunked(sorted(posts), LOOKUP_CHUNK):
            parameters = {"event": event, "posts": chunk}
            result = client.query(sql("shared.merge_sql", "stored_posts"), parameters=parameters)
            found.extend(dict(zip(result.column_names, row, strict=True)) for row in result.result_rows)
    return found
