"""The reporter's read model: the figures of an event (DESIGN §4) as typed values.

One query (``sql/breakdown.sql`` by platform) gives the figures of each
platform; the event's totals are their sum, since every post belongs to one
platform. The summary route, the PDF report and the comparison of editions all
read an event's figures here, so a figure in the PDF and the same figure in the
API are one value.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.reporter.series import EVER
from services.reporter.sql import QUERIES
from shared.metrics import RATES, TOTAL_KEYS
from shared.registry import Event
from shared.sqlfiles import sql
from shared.store import Store

Window = tuple[datetime, datetime] | None  # created_at from ≤ t < to; None: every post
ONE_KEY = ("event", "platform")  # dimensions under which a post has exactly one key (breakdown.sql)


@dataclass(frozen=True)
class Figures:
    """Totals and weighted rates of a set of posts; ``weights`` holds, per rate, Σ engagements and
    Σ denominator over the posts whose denominator is > 0, so that figures add up."""

    totals: dict[str, int]
    rates: dict[str, float | None]
    weights: dict[str, tuple[int, int]]

    @classmethod
    def of_row(cls, row: dict[str, Any]) -> Figures:
        """The figures of one row of ``breakdown.sql``."""
        return cls(
            totals={key: int(row[key]) for key in TOTAL_KEYS},
            rates={name: row[name] for name in RATES},
            weights={name: (int(row[f"engaged_{name}"]), int(row[den])) for name, den in RATES.items()},
        )

    @classmethod
    def sum(cls, parts: Iterable[Figures]) -> Figures:
        """The figures of disjoint sets of posts taken together (zeros and no rates for none)."""
        parts = list(parts)
        totals = {key: sum(p.totals[key] for p in parts) for key in TOTAL_KEYS}
        weights = {
            name: (sum(p.weights[name][0] for p in parts), sum(p.weights[name][1] for p in parts))
            for name in RATES
        }
        rates = {name: (engaged / den if den else None) for name, (engaged, den) in weights.items()}
        return cls(totals, rates, weights)

    def as_json(self) -> dict[str, Any]:
        """The block every answer prints: ``totals`` and ``engagement_rate``."""
        return {"totals": dict(self.totals), "engagement_rate": dict(self.rates)}


@dataclass(frozen=True)
class EventFigures:
    """The whole event and each platform that sent data (most engagements first)."""

    total: Figures
    platforms: dict[str, Figures]


def breakdown_rows(
    store: Store,
    event: Event,
    dimension: str,
    limit: int,
    *,
    platform: str | None = None,
    window: Window = None,
) -> list[dict[str, Any]]:
    """The rows of ``breakdown.sql``: figures per value of ``dimension``, most engagements first."""
    sessions = event.agenda
    return store.query(
        sql(QUERIES, "breakdown"),
        {
            "event": event.slug,
            "dimension": dimension,
            "keyed": "one_key" if dimension in ONE_KEY else "keys",
            "platform": platform or "",
            "windowed": int(window is not None),
            "from": (window or EVER)[0],
            "to": (window or EVER)[1],
            "limit": limit,
            "session_ids": [s.id for s in sessions],
            "session_starts": [s.start.astimezone(UTC) for s in sessions],
            "session_ends": [s.end.astimezone(UTC) for s in sessions],
        },
    )


def event_figures(store: Store, event: str) -> EventFigures:
    """The figures of ``event``: one query, per platform; the totals add the platforms up."""
    rows = breakdown_rows(store, Event(slug=event), "platform", 10_000)
    platforms = {row["key"]: Figures.of_row(row) for row in rows}
    return EventFigures(Figures.sum(platforms.values()), platforms)


def _utc(value: datetime) -> datetime:
    """The driver may hand back naive datetimes; the columns are UTC, so they are UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


EDGE_ROWS = 200  # moment rows read at each end of an event (figures.py, moments_first.sql)


def data_window(store: Store, event: str) -> tuple[datetime, datetime] | None:
    """The first and last timestamp of the event's records (UTC), or None without any: the
    mentions', and the posts' records' from the rollups' moments, read at each end only."""
    mentions = store.query(sql(QUERIES, "window"), {"event": event})[0]
    (first, sure_first), (last, sure_last) = _edge(store, event, "first"), _edge(store, event, "last")
    if not (sure_first and sure_last):  # the rows read at an end cancel out: sum them all
        exact = store.query(sql(QUERIES, "moments_exact"), {"event": event})[0]
        first, last = (exact["first"], exact["last"]) if exact["first"] is not None else (None, None)
    found = [(_utc(first), _utc(last))] if first is not None and last is not None else []
    if mentions["records"]:
        found.append((_utc(mentions["first"]), _utc(mentions["last"])))
    if not found:
        return None
    return min(a for a, _ in found), max(b for _, b in found)


def _edge(store: Store, event: str, end: str) -> tuple[datetime | None, bool]:
    """The first (or last) moment whose rows sum to > 0 among the ``EDGE_ROWS`` at that end, and
    whether that answer is sure: it is not when none is found but more rows may follow (a moment
    cut by the limit is not trusted either: its rows may go on)."""
    rows = store.query(sql(QUERIES, f"moments_{end}"), {"event": event, "limit": EDGE_ROWS})
    sums: dict[datetime, int] = {}
    for row in rows:
        sums[row["at"]] = sums.get(row["at"], 0) + int(row["pieces"])
    cut = rows[-1]["at"] if len(rows) == EDGE_ROWS else None
    found = next((at for at, total in sums.items() if total > 0 and at != cut), None)
    return found, found is not None or cut is None


def rfc3339(value: datetime) -> str:
    return _utc(value).isoformat().replace("+00:00", "Z")
