"""Engagement over time (DESIGN §4), read from ClickHouse with ``sql/series.sql``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from services.reporter.sql import QUERIES
from shared.metrics import RATES, TOTAL_KEYS
from shared.sqlfiles import sql
from shared.store import Store

BUCKETS = ("minute", "hour", "day")
HOUR = timedelta(hours=1)

EVER = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC))


def series(
    store: Store,
    event: str,
    bucket: str,
    zone: ZoneInfo,
    platform: str | None = None,
    window: tuple[datetime, datetime] = EVER,
    rates: bool = True,
) -> list[dict[str, Any]]:
    """One row per bucket and platform: counter changes, posts, engagements and rates.

    Buckets start on the clock of ``zone`` (the event's time zone), so a day is
    the event's day even across a daylight-saving change. ``window`` keeps the
    changes at ``from`` ≤ t < ``to``, both taken to the minute (the store locates
    changes to the minute). ``rates=False`` leaves the rates out of the answer.

    When the bucket is the grain's own minute or hour, each stored row is one post in one
    bucket (``stored``); otherwise the rows are summed per post and bucket first (``summed``),
    so the post's sources are joined to far fewer rows (``sql/series.sql``).
    """
    if bucket not in BUCKETS:
        raise ValueError(f"unknown bucket {bucket!r}; expected one of {', '.join(BUCKETS)}")
    start, end = (moment.replace(second=0, microsecond=0) for moment in window)
    hourly = (
        bucket != "minute"
        and start.minute == end.minute == 0
        and _whole_hours(store, event, zone, start, end)
    )
    slot = "hour" if hourly else "minute"
    rows = store.query(
        sql(QUERIES, "series"),
        {
            "event": event,
            "bucket": bucket,
            "tz": zone.key,
            "grain": slot,
            "cells": "stored" if bucket == slot else "summed",
            "platform": platform or "",
            "from": start,
            "to": end,
        },
    )
    return [
        {
            "bucket": datetime.fromtimestamp(row["bucket_start"], zone).isoformat(),
            "platform": row["platform"],
            **{name: int(row[name]) for name in TOTAL_KEYS},
            **({"engagement_rate": {name: row[name] for name in RATES}} if rates else {}),
        }
        for row in rows
    ]


def _whole_hours(store: Store, event: str, zone: ZoneInfo, start: datetime, end: datetime) -> bool:
    """Whether every hour and day boundary of ``zone`` between the event's first and last
    change (within the window) is a UTC hour, so that the rollups' hour rows add up to its buckets.
    True for most zones; not for India (+05:30), Newfoundland (−03:30) or Nepal (+05:45)."""
    found = store.query(sql(QUERIES, "hours_with_changes"), {"event": event})[0]
    first = max(start, found["first"].replace(tzinfo=UTC))
    last = min(end, found["last"].replace(tzinfo=UTC) + HOUR)
    moment = first
    while moment <= last:
        offset = moment.astimezone(zone).utcoffset()
        if offset is None or offset % HOUR:
            return False
        moment += HOUR
    return True
