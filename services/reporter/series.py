"""Engagement over time (DESIGN §4), read from ClickHouse with ``sql/series.sql``."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from services.reporter.summary import sql
from shared.events import COUNTERS
from shared.metrics import RATES
from shared.store import Store

BUCKETS = ("minute", "hour", "day")


def series(store: Store, event: str, bucket: str, zone: ZoneInfo, platform: str | None = None) -> list[dict[str, Any]]:
    """One row per bucket and platform: counter changes, posts, engagements and rates.

    Buckets start on the clock of ``zone`` (the event's time zone), so a day is
    the event's day even across a daylight-saving change.
    """
    if bucket not in BUCKETS:
        raise ValueError(f"unknown bucket {bucket!r}; expected one of {', '.join(BUCKETS)}")
    rows = store.query(sql("series"), {"event": event, "bucket": bucket, "tz": zone.key,
                                       "platform": platform or ""})
    return [{
        "bucket": datetime.fromtimestamp(row["bucket_start"], zone).isoformat(),
        "platform": row["platform"],
        **{name: int(row[name]) for name in ("posts", *COUNTERS, "engagements")},
        "engagement_rate": {name: row[name] for name in RATES},
    } for row in rows]
