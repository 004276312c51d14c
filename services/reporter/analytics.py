"""Breakdowns, rankings, trends and comparisons, read from ClickHouse (``sql/``).

Every block of figures has the same shape — ``totals`` and ``engagement_rate`` —
and every answer that prints a rate carries ``formulas`` (DESIGN §4).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.reporter.figures import Figures, breakdown_rows, event_figures, rfc3339
from services.reporter.series import series
from services.reporter.sql import QUERIES
from shared.metrics import RATE_FORMULAS, RATES, TOTAL_KEYS
from shared.registry import Event
from shared.sqlfiles import sql
from shared.store import Store

DIMENSIONS = ("event", "platform", "account", "author", "lang", "media", "hashtag", "session")
MENTION_DIMENSIONS = ("outlet", "country", "lang")
RANKINGS = ("engagements", "rate")


def breakdown(
    store: Store,
    event: Event,
    dimension: str,
    platform: str | None = None,
    window: tuple[datetime, datetime] | None = None,
    limit: int = 100,
    lang: str = "en",
) -> list[dict[str, Any]]:
    """Figures per value of ``dimension``, most engagements first."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}; expected one of {', '.join(DIMENSIONS)}")
    rows = breakdown_rows(store, event, dimension, limit, platform=platform, window=window)
    answer = [{"key": row["key"], **Figures.of_row(row).as_json()} for row in rows]
    if dimension == "hashtag":
        shown = {
            row["key"]: row["display"]
            for row in store.query(sql(QUERIES, "hashtag_display"), {"event": event.slug})
        }
        for item in answer:
            item["display"] = shown.get(item["key"], "#" + item["key"])
    elif dimension == "session":
        by_id = {s.id: s for s in event.agenda}
        for item in answer:
            session = by_id[item["key"]]
            item.update(
                title=session.title(lang),
                start=session.start.isoformat(),
                end=session.end.isoformat(),
                room=session.room,
                speakers=session.speakers,
            )
    return answer


def top_posts(
    store: Store,
    event: str,
    by: str = "engagements",
    limit: int = 10,
    min_impressions: int = 100,
    platform: str | None = None,
) -> list[dict[str, Any]]:
    """Posts ranked by engagements, or by rate (by impressions) above an impressions floor."""
    if by not in RANKINGS:
        raise ValueError(f"unknown ranking {by!r}; expected one of {', '.join(RANKINGS)}")
    rows = store.query(
        sql(QUERIES, "top_posts"),
        {
            "event": event,
            "by": by,
            "limit": limit,
            "min_impressions": min_impressions,
            "platform": platform or "",
        },
    )
    return [
        {
            "platform": row["platform"],
            "post_id": row["post_id"],
            "url": row["url"],
            "text": row["text"],
            "account": row["account"],
            "lang": row["lang"],
            "created_at": rfc3339(row["created_at"]) if row["declared"] else None,
            "impressions": int(row["impressions"]),
            "views": int(row["views"]),
            "engagements": int(row["engagements"]),
            "engagement_rate": {name: row[name] for name in RATES},
        }
        for row in rows
    ]


def post_media(store: Store, event: str, posts: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The ``media_url`` of each (platform, post_id) of ``posts`` that has one."""
    if not posts:
        return {}
    rows = store.query(sql(QUERIES, "post_media"), {"event": event, "posts": posts})
    return {(row["platform"], row["post_id"]): row["media_url"] for row in rows}


def mention_breakdown(store: Store, event: str, dimension: str, limit: int = 100) -> list[dict[str, Any]]:
    if dimension not in MENTION_DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}; expected one of {', '.join(MENTION_DIMENSIONS)}")
    rows = store.query(
        sql(QUERIES, "mention_breakdown"), {"event": event, "dimension": dimension, "limit": limit}
    )
    return [
        {"key": row["key"], "articles": int(row["articles"]), "audience": int(row["audience"])}
        for row in rows
    ]


def trends(
    store: Store,
    event: str,
    at: datetime,
    window_s: int = 900,
    baseline_s: int = 10_800,
    threshold: float = 3.0,
    min_count: int = 10,
    limit: int = 10,
) -> dict[str, Any]:
    """Engagements and posts now against the trailing baseline, flagged when they spike.
    ``at`` is taken to the minute: the store locates changes to the minute."""
    at = at.replace(second=0, microsecond=0)
    params = {
        "event": event,
        "at": at.astimezone(UTC),
        "window_s": window_s,
        "baseline_s": baseline_s,
        "threshold": threshold,
        "min_count": min_count,
        "limit": limit,
    }
    fields = ("latest", "baseline", "latest_per_minute", "baseline_per_minute", "ratio", "spike")
    platforms = [
        {"platform": row["platform"] or None, "metric": row["metric"], **{name: row[name] for name in fields}}
        for row in store.query(sql(QUERIES, "trends"), params)
    ]
    for item in platforms:
        item["spike"] = bool(item["spike"])
        item["latest"], item["baseline"] = int(item["latest"]), int(item["baseline"])
    hashtags = [
        {
            "key": row["key"],
            "latest_posts": int(row["latest_posts"]),
            "baseline_posts": int(row["baseline_posts"]),
            "ratio": row["ratio"],
            "spike": bool(row["spike"]),
        }
        for row in store.query(sql(QUERIES, "trending_hashtags"), params)
    ]
    return {
        "event": event,
        "at": at.astimezone(UTC).isoformat(),
        "window_s": window_s,
        "baseline_s": baseline_s,
        "threshold": threshold,
        "min_count": min_count,
        "trends": platforms,
        "hashtags": hashtags,
        "method": f"per-minute volume in the last {window_s // 60} min against the "
        f"{baseline_s // 60} min before it; a spike is at least {min_count} in the window "
        f"and ≥ {threshold:g}× the baseline's rate (or any such activity after a silent "
        "baseline)",
    }


def _event_days(store: Store, event: Event) -> list[dict[str, Any]]:
    """Daily figures numbered from day 1 = the event's first day (or its first day with data)."""
    days = series(store, event.slug, "day", event.zone, rates=False)
    by_day: dict[str, dict[str, int]] = {}
    for row in days:
        day = by_day.setdefault(row["bucket"], dict.fromkeys(TOTAL_KEYS, 0))
        for name in day:
            day[name] += row[name]
    if not by_day:
        return []
    first = (
        event.start.astimezone(event.zone).date()
        if event.start
        else datetime.fromisoformat(min(by_day)).date()
    )
    return [
        {"day": (datetime.fromisoformat(bucket).date() - first).days + 1, "date": bucket[:10], **figures}
        for bucket, figures in sorted(by_day.items())
    ]


def compare(store: Store, current: Event, previous: Event) -> dict[str, Any]:
    """Two editions side by side: totals, rates, deltas, and the days aligned by event day."""
    now, before, now_days, before_days = store.gather(
        lambda s: event_figures(s, current.slug),
        lambda s: event_figures(s, previous.slug),
        lambda s: _event_days(s, current),
        lambda s: _event_days(s, previous),
    )
    a, b = now.total.as_json(), before.total.as_json()
    editions = {current.slug: a, previous.slug: b}
    delta = {}
    for name, value in a["totals"].items():
        before = b["totals"][name]
        delta[name] = {"absolute": value - before, "relative": (value - before) / before if before else None}
    rate_delta = {
        name: (
            a["engagement_rate"][name] - b["engagement_rate"][name]
            if a["engagement_rate"][name] is not None and b["engagement_rate"][name] is not None
            else None
        )
        for name in RATES
    }
    days: dict[int, dict[str, Any]] = {}
    for event, event_days in ((current, now_days), (previous, before_days)):
        for day in event_days:
            days.setdefault(day["day"], {"day": day["day"]})[event.slug] = day
    return {
        "current": current.slug,
        "previous": previous.slug,
        "editions": editions,
        "delta": {"totals": delta, "engagement_rate": rate_delta},
        "days": [days[n] for n in sorted(days)],
        "formulas": RATE_FORMULAS,
    }
