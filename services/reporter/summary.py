"""The event summary of DESIGN §5, read from ClickHouse with the queries in ``sql/``."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from services.reporter.analytics import breakdown, top_posts, whole
from services.reporter.queries import sql
from shared.metrics import RATE_FORMULAS
from shared.registry import Event
from shared.store import Store


def _rfc3339(value: datetime) -> str:
    """The driver may hand back naive datetimes; the columns are UTC, so they are UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def list_events(store: Store) -> list[str]:
    return [row["event"] for row in store.query(sql("events"))]


def summary(store: Store, event: str, top: int = 10) -> dict[str, Any]:
    """Totals, rates, per-platform figures, top posts, mentions and rejects of one event."""
    params = {"event": event}
    bare = Event(slug=event)
    figures = whole(store, bare)
    window = store.query(sql("window"), params)[0]
    mentions = store.query(sql("mentions"), params)[0]
    return {
        "event": event,
        "from": _rfc3339(window["first"]) if window["records"] else None,
        "to": _rfc3339(window["last"]) if window["records"] else None,
        **figures,
        "formulas": RATE_FORMULAS,
        "platforms": {
            row["key"]: {k: v for k, v in row.items() if k != "key"}
            for row in sorted(breakdown(store, bare, "platform"), key=lambda r: r["key"])
        },
        "mentions": {key: int(mentions[key]) for key in ("articles", "outlets", "countries")},
        "top_posts": [
            {
                key: post[key]
                for key in ("platform", "post_id", "url", "text", "engagements", "engagement_rate")
            }
            for post in top_posts(store, event, "engagements", top)
        ],
        "rejected": int(store.query(sql("rejected"), params)[0]["rejected"]),
    }


def rejected_records(store: Store) -> list[dict[str, Any]]:
    """Every dead letter, the original bytes as text (invalid UTF-8 shown as U+FFFD)."""
    records = []
    for row in store.query(sql("rejected_records")):
        raw = base64.b64decode(row["raw_base64"])
        records.append(
            {
                "event": row["event"] or None,
                "source": row["source"],
                "line": row["line"],
                "field": row["field"],
                "reason": row["reason"],
                "raw": raw.decode("utf-8", "replace"),
                "received_at": _rfc3339(row["received_at"]),
            }
        )
    return records
