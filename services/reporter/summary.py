"""The event summary of DESIGN §5, read from ClickHouse with the queries in ``sql/``."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

from shared.events import COUNTERS
from shared.metrics import RATE_FORMULAS, RATES
from shared.store import Store


@cache
def sql(name: str) -> str:
    return resources.files("services.reporter.sql").joinpath(f"{name}.sql").read_text("utf-8")


def _rfc3339(value: datetime) -> str:
    """The driver may hand back naive datetimes; the columns are UTC, so they are UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _block(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "totals": {key: int(row[key]) for key in ("posts", *COUNTERS, "engagements")},
        "engagement_rate": {name: row[name] for name in RATES},
    }


def list_events(store: Store) -> list[str]:
    return [row["event"] for row in store.query(sql("events"))]


def summary(store: Store, event: str, top: int = 10) -> dict[str, Any]:
    """Totals, rates, per-platform figures, top posts, mentions and rejects of one event."""
    params = {"event": event}
    rows = store.query(sql("totals"), params)
    overall = next((row for row in rows if row["platform"] == ""), None)
    window = store.query(sql("window"), params)[0]
    empty = {"posts": 0, **dict.fromkeys(COUNTERS, 0), "engagements": 0, **dict.fromkeys(RATES)}
    top_posts = [
        {"platform": row["platform"], "post_id": row["post_id"], "url": row["url"], "text": row["text"],
         "engagements": int(row["engagements"]),
         "engagement_rate": {name: row[name] for name in RATES}}
        for row in store.query(sql("top_posts"), {**params, "limit": top})
    ]
    mentions = store.query(sql("mentions"), params)[0]
    return {
        "event": event,
        "from": _rfc3339(window["first"]) if window["records"] else None,
        "to": _rfc3339(window["last"]) if window["records"] else None,
        **_block(overall or empty),
        "formulas": RATE_FORMULAS,
        "platforms": {row["platform"]: _block(row) for row in rows if row["platform"] != ""},
        "mentions": {key: int(mentions[key]) for key in ("articles", "outlets", "countries")},
        "top_posts": top_posts,
        "rejected": int(store.query(sql("rejected"), params)[0]["rejected"]),
    }


def rejected_records(store: Store) -> list[dict[str, Any]]:
    """Every dead letter, the original bytes as text (invalid UTF-8 shown as U+FFFD)."""
    records = []
    for row in store.query(sql("rejected_records")):
        raw = base64.b64decode(row["raw_base64"])
        records.append({"event": row["event"] or None, "source": row["source"], "line": row["line"],
                        "field": row["field"], "reason": row["reason"],
                        "raw": raw.decode("utf-8", "replace"),
                        "received_at": _rfc3339(row["received_at"])})
    return records
