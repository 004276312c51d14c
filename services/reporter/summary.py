"""The event summary of DESIGN §5: the read model (``figures``) and the queries in ``sql/``."""

from __future__ import annotations

import base64
from typing import Any

from services.reporter.analytics import top_posts
from services.reporter.figures import data_window, event_figures, rfc3339
from services.reporter.sql import QUERIES
from shared.metrics import RATE_FORMULAS
from shared.sqlfiles import sql
from shared.store import Store

TOP_POST_FIELDS = ("platform", "post_id", "url", "text", "engagements", "engagement_rate")


def list_events(store: Store) -> list[str]:
    return [row["event"] for row in store.query(sql(QUERIES, "events"))]


def summary(store: Store, event: str, top: int = 10) -> dict[str, Any]:
    """Totals, rates, per-platform figures, top posts, mentions and rejects of one event."""
    params = {"event": event}
    figures, window, mentions, posts, rejected = store.gather(
        lambda s: event_figures(s, event),
        lambda s: data_window(s, event),
        lambda s: s.query(sql(QUERIES, "mentions"), params)[0],
        lambda s: top_posts(s, event, "engagements", top),
        lambda s: s.query(sql(QUERIES, "rejected"), params)[0],
    )
    return {
        "event": event,
        "from": rfc3339(window[0]) if window else None,
        "to": rfc3339(window[1]) if window else None,
        **figures.total.as_json(),
        "formulas": RATE_FORMULAS,
        "platforms": {name: figures.platforms[name].as_json() for name in sorted(figures.platforms)},
        "mentions": {key: int(mentions[key]) for key in ("articles", "outlets", "countries")},
        "top_posts": [{key: post[key] for key in TOP_POST_FIELDS} for post in posts],
        "rejected": int(rejected["rejected"]),
    }


def rejected_records(store: Store) -> list[dict[str, Any]]:
    """Every dead letter, the original bytes as text (invalid UTF-8 shown as U+FFFD)."""
    records = []
    for row in store.query(sql(QUERIES, "rejected_records")):
        raw = base64.b64decode(row["raw_base64"])
        records.append(
            {
                "event": row["event"] or None,
                "source": row["source"],
                "line": row["line"],
                "field": row["field"],
                "reason": row["reason"],
                "raw": raw.decode("utf-8", "replace"),
                "received_at": rfc3339(row["received_at"]),
            }
        )
    return records
