"""The reporter's query parameters, checked before any query runs: a wrong one is a
:class:`BadParameter` (an answer 400 naming it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

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


def moment(request: web.Request, name: str) -> datetime | None:
    raw = request.query.get(name)
    if raw is None:
        return None
    try:
        found = datetime.fromisoformat(raw)
    except ValueError:
        raise BadParameter(name, f"{raw!r} is not an RFC 3339 time") from None
    if found.tzinfo is None:
        raise BadParameter(name, "needs a UTC offset (Z or +hh:mm)")
    return found.astimezone(UTC)


def window(request: web.Request) -> tuple[datetime, datetime] | None:
    start, end = moment(request, "from"), moment(request, "to")
    if start is None and end is None:
        return None
    found = (start or EVER[0], end or EVER[1])
    if found[1] <= found[0]:
        raise BadParameter("to", "must come after from")
    return found


def platform(request: web.Request) -> str | None:
    """A platform's name, or None (every platform) when not given."""
    return choice(request, "platform", "", PLATFORMS) if "platform" in request.query else None
