"""What a platform said about its limits, and the errors a pass survives.

Each platform says how it signals its limits (:meth:`Poller.rate_limit_wait`); the poller
waits until the reset when that is within ``SADA_POLL_MAX_WAIT_S``, else it ends the pass and
stays *blocked* until the reset (kept across restarts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.collector.pollers.schedule import iso


@dataclass
class RateLimit:
    """What a platform said about its limits, shared by a connector's pollers (one token)."""

    limit: int | None = None
    remaining: int | None = None
    reset_at: datetime | None = None
    usage_percent: float | None = None  # Meta reports usage, not calls left
    waiting_until: datetime | None = None
    blocked_until: datetime | None = None
    rate_limited: int = 0  # rate-limit answers so far
    failures: int = 0  # consecutive ones, for the exponential backoff
    last_signal: str = ""

    def backoff(self, initial_s: float, max_s: float) -> float:
        delay = min(max_s, initial_s * 2**self.failures)
        self.failures += 1
        return delay

    def as_dict(self) -> dict[str, Any]:
        def when(moment: datetime | None) -> str | None:
            return iso(moment) if moment else None

        return {
            "limit": self.limit,
            "remaining": self.remaining,
            "reset_at": when(self.reset_at),
            "usage_percent": self.usage_percent,
            "waiting_until": when(self.waiting_until),
            "blocked_until": when(self.blocked_until),
            "rate_limited": self.rate_limited,
            "consecutive": self.failures,
            "last_signal": self.last_signal,
        }


class PollError(RuntimeError):
    """One request, page or metric failed; the pass goes on with the rest."""


class ApiError(PollError):
    """The platform answered with an error (its own shape, read by the connector)."""

    def __init__(self, status: int, message: str, code: object = None):
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.code = code


class Blocked(PollError):
    """Rate limited for longer than ``SADA_POLL_MAX_WAIT_S``: the pass ends here."""

    def __init__(self, until: datetime, why: str):
        super().__init__(f"{why}; blocked until {iso(until)}")
        self.until = until


class Stopped(PollError):
    """The platform will not answer until a person acts: credentials invalidated, an API version
    sunset, a quota spent for the day. ``why`` says what happened, ``remedy`` which variable or
    command fixes it; ``scope`` names the calls it stops ("" = every call of the connector, else
    e.g. "search": the other calls go on); ``until`` is set when it lifts by itself (a quota's
    reset)."""

    def __init__(self, why: str, remedy: str, scope: str = "", until: datetime | None = None):
        super().__init__(f"{why}; {remedy}")
        self.why = why
        self.remedy = remedy
        self.scope = scope
        self.until = until
