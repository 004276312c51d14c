"""When a known post's figures are read again, and the pollers' clock.

Figures move fastest just after posting, so young posts are read every minute and old ones
hourly (:func:`refresh_interval`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

# (posts younger than, are refreshed every); older posts: REFRESH_OLDER.
REFRESH_TIERS: tuple[tuple[timedelta, timedelta], ...] = (
    (timedelta(hours=1), timedelta(minutes=1)),
    (timedelta(days=1), timedelta(minutes=10)),
)
REFRESH_OLDER = timedelta(hours=1)


def refresh_interval(age: timedelta) -> timedelta:
    """How often a post of this age has its figures read again."""
    for younger_than, every in REFRESH_TIERS:
        if age < younger_than:
            return every
    return REFRESH_OLDER


def is_due(created_at: datetime, refreshed_at: datetime | None, now: datetime) -> bool:
    """Never read, or read longer ago than its age's interval."""
    return refreshed_at is None or now - refreshed_at >= refresh_interval(now - created_at)


def due_posts(posts: Mapping[str, tuple[datetime, datetime | None]], now: datetime) -> list[str]:
    """The ids of ``posts`` (id → (created, last refreshed)) due at ``now``, youngest first."""
    due = [
        (created, post_id)
        for post_id, (created, refreshed) in posts.items()
        if is_due(created, refreshed, now)
    ]
    return [post_id for _, post_id in sorted(due, key=lambda pair: (pair[0], pair[1]), reverse=True)]


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
