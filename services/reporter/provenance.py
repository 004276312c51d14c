"""The reporter's read model for provenance (issue 11, item 2): which sources fed an event, and
where and when each of a post's fields and figures came from.

Every stored record carries its source (``api:<connector>``, ``webhook:<platform>``,
``export:<format>[:<file>]``, ``http:<client>``; ``''`` for rows stored before; docs/events.md)
and a version, the collector's arrival time in ns. A post is stored as one row merged from its
sources (shared/merge.py), whose ``provenance`` keeps, per field, the source and version of its
value. The API (``/sources``, ``/posts/{platform}/{post_id}``) and the PDF's methods page read
these functions, so what one says fed the report is what the other says.

A post's figure is found by DESIGN §4's rule, told with its origin: the value of the snapshot
with the latest ``observed_at`` that reports the counter (that snapshot's ``observed_at``,
source and arrival), else the number of the post's interactions of its kind (with their
sources); ``impressions`` and ``reach`` come from snapshots only. The queries are
``sql/sources.sql``, ``sql/post_record.sql``, ``sql/post_snapshots.sql`` and
``sql/post_interactions.sql``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from services.reporter.figures import rfc3339
from services.reporter.sql import QUERIES
from shared.events import COUNTERS
from shared.merge import DAY, FIELDS
from shared.metrics import ENGAGEMENT_COUNTERS, INTERACTION_KIND_OF, RATES, SNAPSHOT_ONLY
from shared.sqlfiles import sql
from shared.store import Store

KINDS = ("api", "webhook", "export", "http", "")  # "": stored before sources were recorded
RECORD_TYPES = ("post", "metrics", "interaction", "mention")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def received_at(version: int) -> datetime:
    """The arrival time a version holds (ns since the epoch), to the microsecond."""
    return EPOCH + timedelta(microseconds=int(version) // 1000)


@dataclass(frozen=True)
class Source:
    """One source kind and name and what it gave an event. Exports are named by format, and
    ``files`` lists the files imported under it (the ``X-Sada-Source`` of each upload)."""

    kind: str
    name: str
    records: dict[str, int]  # per record type (post, metrics, interaction, mention)
    posts: int  # distinct posts its post, metrics and interaction records name
    first_received: datetime
    last_received: datetime
    files: list[str]

    @property
    def label(self) -> str:
        """``api:facebook``, ``export:facebook``: what the source string begins with."""
        return f"{self.kind}:{self.name}" if self.kind else ""

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind or None,
            "name": self.name or None,
            "records": dict(self.records),
            "posts": self.posts,
            "first_received_at": rfc3339(self.first_received),
            "last_received_at": rfc3339(self.last_received),
            "files": list(self.files),
        }


def event_sources(store: Store, event: str) -> list[Source]:
    """The sources that fed ``event``, by kind (api, webhook, export, http, then unrecorded)
    and name."""
    rows = store.query(sql(QUERIES, "sources"), {"event": event})
    found = [
        Source(
            kind=row["kind"],
            name=row["name"],
            records={name: int(row[name]) for name in RECORD_TYPES},
            posts=int(row["posts"]),
            first_received=received_at(row["first_version"]),
            last_received=received_at(row["last_version"]),
            files=list(row["files"]),
        )
        for row in rows
    ]
    order = {kind: n for n, kind in enumerate(KINDS)}
    return sorted(found, key=lambda s: (order.get(s.kind, len(KINDS)), s.kind, s.name))


class UnknownPost(LookupError):
    """No record of the event names this post."""


def _origin(source: str, version: int) -> dict[str, Any]:
    return {"source": source or None, "received_at": rfc3339(received_at(version))}


def _value(value: Any) -> Any:
    return rfc3339(value) if isinstance(value, datetime) else value


def _fields(row: dict[str, Any]) -> dict[str, Any]:
    """Each merged field of the post's row: its value and the source and arrival it came from
    (a field no source knew: its value, no origin)."""
    provenance = row["provenance"] or {}
    fields: dict[str, Any] = {}
    for field, columns in FIELDS.items():
        if field == "source":
            continue
        value = row[columns[0]]
        known = field == "created_at" or value not in (None, "", [])
        origin = provenance.get(field) or ((row["source"], row["version"]) if known else None)
        fields[field] = {
            "value": _value(value),
            **(_origin(*origin) if origin else {"source": None, "received_at": None}),
        }
    fields["created_at"]["precision"] = "day" if row["created_precision"] == DAY else "exact"
    return fields


def _figure(name: str, snapshot: dict[str, Any] | None, kinds: dict[str, dict[str, int]]) -> dict[str, Any]:
    """One counter of DESIGN §4 with where and when it came from."""
    if snapshot is not None:
        return {
            "value": int(snapshot["latest_value"]),
            "from": "snapshot",
            "snapshot": {
                "observed_at": rfc3339(snapshot["latest_at"]),
                **_origin(snapshot["latest_source"], snapshot["latest_version"]),
                "snapshots_reporting": int(snapshot["snapshots"]),
            },
            "interactions": None,
        }
    counted = {} if name in SNAPSHOT_ONLY else kinds.get(INTERACTION_KIND_OF[name], {})
    total = sum(counted.values())
    return {
        "value": total,
        "from": "interactions" if total else None,
        "snapshot": None,
        "interactions": {"count": total, "sources": dict(sorted(counted.items()))} if total else None,
    }


def post_provenance(store: Store, event: str, platform: str, post_id: str) -> dict[str, Any]:
    """A post's merged fields and figures, each with its source and time; raises
    :class:`UnknownPost` when no record of ``event`` names it."""
    params = {"event": event, "platform": platform, "post_id": post_id}
    rows = store.query(sql(QUERIES, "post_record"), params)
    snapshots = {row["counter"]: row for row in store.query(sql(QUERIES, "post_snapshots"), params)}
    interactions = store.query(sql(QUERIES, "post_interactions"), params)
    if not rows and not snapshots and not interactions:
        raise UnknownPost(
            f"no record of event {event!r} names {platform} post {post_id!r}; "
            "the event's posts are listed by /top-posts"
        )
    kinds: dict[str, dict[str, int]] = {}
    for found in interactions:
        by_source = kinds.setdefault(found["kind"], {})
        by_source[found["source"]] = by_source.get(found["source"], 0) + int(found["interactions"])
    figures = {name: _figure(name, snapshots.get(name), kinds) for name in COUNTERS}
    values = {name: figure["value"] for name, figure in figures.items()}
    engagements = sum(values[name] for name in ENGAGEMENT_COUNTERS)
    row = rows[0] if rows else None
    values["followers"] = int(row["followers"] or 0) if row else 0
    rates = {name: (engagements / values[den] if values[den] else None) for name, den in RATES.items()}
    sources = {s["latest_source"] for s in snapshots.values()} | {i["source"] for i in interactions}
    if row:
        sources |= {origin[0] for origin in (row["provenance"] or {}).values()} | {row["source"]}
    return {
        "event": event,
        "platform": platform,
        "post_id": post_id,
        "declared": row is not None,
        "fields": _fields(row) if row else None,
        "figures": figures,
        "engagements": engagements,
        "engagement_rate": rates,
        "interactions": [
            {
                "kind": found["kind"],
                "source": found["source"] or None,
                "count": int(found["interactions"]),
                "first_at": rfc3339(found["first_at"]),
                "last_at": rfc3339(found["last_at"]),
                "first_received_at": rfc3339(received_at(found["first_version"])),
                "last_received_at": rfc3339(received_at(found["last_version"])),
            }
            for found in interactions
        ],
        "sources": sorted(s for s in sources if s),
    }
