"""Engagement over time (DESIGN §4), read from ClickHouse with ``sql/series.sql``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from services.reporter.queries import sql
from shared.metrics import RATES, TOTAL_KEYS
from shared.store import Store

BUCKETS = ("minute", "hour", "day")


EVER = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC))


def series(store: Store, event: str, bucket: str, zone: ZoneInfo, platform: str | None = None,
           window: tuple[datetime, datetime] = EVER) -> list[dict[str, Any]]:
    """One row per bucket and platform: counter changes, posts, engagements and rates.

    Buckets start on the clock of ``zone`` (the event's time zone), so a day is
    the event's day even across a daylight-saving change. ``window`` keeps the
    changes at ``from`` ≤ t < ``to``.
    """
    if bucket not in BUCKETS:
        raise ValueError(f"unknown bucket {bucket!r}; expected one of {', '.join(BUCKETS)}")
    rows = store.query(sql("series"), {"event": event, "bucket": bucket, "tz": zone.key,
                                       "platform": platform or "", "from": window[0], "to": window[1]})
    return [{
        "bucket": datetime.fromtimestamp(row["bucket_start"], zone).isoformat(),
        "platform": row["platform"],
        **{name: int(row[name]) for name in TOTAL_KEYS},
        "engagement_rate": {name: row[name] for name in RATES},
    } for row in rows]
