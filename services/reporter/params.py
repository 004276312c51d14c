"""The reporter's query parameters, checked before any query runs: a wrong one is a
:class:`BadParameter` (an answer 400 naming it).

Every parameter has explicit bounds, so that nothing the store or the time conversion
cannot take reaches them: times lie in :data:`EVER` (after their offset is applied), time
zones are among those ClickHouse knows too, numbers lie in a stated range.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from services.reporter.figures import rfc3339
from services.reporter.series import EVER
from shared.events import PLATFORMS


class BadParameter(ValueError):
    def __init__(self, name: str, message: str):
        super().__init__(f"{name}: {message}")


def text(request: web.Request, name: str, default: str | None = None) -> str | None:
    return request.query.get(name, default)


def choice(request: web.Request, name: str, default: str, choices: tuple[str, ...]) -> str:
    """One of ``choices`` (``default`` when the parameter is not given)."""
    value = request.query.get(name, default)
    if value not in choices:
        raise BadParameter(name, f"{value!r} is not one of {', '.join(choices)}")
    return value


def number(request: web.Request, name: str, default: float, low: float, high: float, kind: type = int) -> Any:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise BadParameter(name, f"{raw!r} is not a number") from None
    if not low <= value <= high:
        raise BadParameter(name, f"must be between {low:g} and {high:g}")
    return value


BOUNDS = f"must lie between {rfc3339(EVER[0])} and {rfc3339(EVER[1])}"


def moment(request: web.Request, name: str) -> datetime | None:
    """A time with an offset, within :data:`EVER` once taken to UTC (a year 0001 with +14:00
    or a year 9999 with −14:00 cannot even be taken to UTC)."""
    raw = request.query.get(name)
    if raw is None:
        return None
    try:
        found = datetime.fromisoformat(raw)
    except ValueError:
        raise BadParameter(name, f"{raw!r} is not an RFC 3339 time") from None
    if found.tzinfo is None:
        raise BadParameter(name, "needs a UTC offset (Z or +hh:mm)")
    try:
        utc = found.astimezone(UTC)
    except OverflowError:
        raise BadParameter(name, BOUNDS) from None
    if not EVER[0] <= utc <= EVER[1]:
        raise BadParameter(name, BOUNDS)
    return utc


def window(request: web.Request) -> tuple[datetime, datetime] | None:
    """``from`` ≤ t < ``to``; either may be left out (then :data:`EVER`'s bound)."""
    start, end = moment(request, "from"), moment(request, "to")
    if start is None and end is None:
        return None
    found = (start or EVER[0], end or EVER[1])
    if found[1] <= found[0]:
        if end is None:
            raise BadParameter("from", f"must come before {rfc3339(EVER[1])}")
        raise BadParameter("to", "must come after from")
    return found


def zone(request: web.Request, name: str, default: str, known: Collection[str]) -> ZoneInfo:
    """An IANA time zone among ``known`` (those both Python and ClickHouse know:
    ``right/UTC`` or ``posix/…`` are files of Python's database that ClickHouse cannot load)."""
    value = request.query.get(name, default)
    if value not in known:
        raise BadParameter(name, f"unknown IANA time zone {value!r} (like Africa/Casablanca or UTC)")
    return ZoneInfo(value)


def platform(request: web.Request) -> str | None:
    """A platform's name, or None (every platform) when not given."""
    return choice(request, "platform", "", PLATFORMS) if "platform" in request.query else None
