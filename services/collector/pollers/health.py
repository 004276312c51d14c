"""A poller's health: its state, what stopped it and what to do, its last successful pass and
the records it published in the last hour (issue 11, item 9).

The state a poller is in, as ``/v1/pollers``, Prometheus and ``poller_passes`` say it:

- ``running``: a pass is under way;
- ``idle``: between passes, the last one successful;
- ``rate-limited``: waiting for a rate limit to reset, ``until`` then (within a pass, or a
  :class:`~services.collector.pollers.limits.Blocked` pass-ending block);
- ``blocked``: the platform will not answer until a person acts
  (:class:`~services.collector.pollers.limits.Stopped` with no scope): ``why`` and ``remedy``;
- ``failed``: the last pass crashed, or every part of it failed (``last_error``).

A pass is *successful* when it ran to its end, nothing stopped it, and at least one of its parts
worked or none failed. A part skipped because its scope is paused (a
:class:`~services.collector.pollers.limits.Stopped` with a scope, e.g. YouTube's spent search
quota) is neither: a pass whose only part was skipped is not a success, so a poller that can
do nothing for hours is seen by the stall alert.

What must survive a restart is kept in the checkpoint: the last successful pass, the stop
(why, remedy, since when) and the paused scopes. A stopped poller tries again at the first
pass after a restart (settings are read at start, so that is when a fixed variable is seen)
and then every ``SADA_POLL_STOPPED_RETRY_S`` (a token renewed in its state file, a version
the platform lifted).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.collector.mapping import parse_time
from services.collector.pollers.checkpoint import Checkpoint
from services.collector.pollers.limits import Stopped
from services.collector.pollers.schedule import iso

STATES = ("running", "idle", "rate-limited", "blocked", "failed")
HOUR = timedelta(hours=1)


@dataclass
class PassParts:
    """What the parts of the current pass did (a search, a Page, a feed, a refresh batch)."""

    ok: int = 0
    failed: int = 0
    skipped: int = 0
    records: int = 0  # published and acknowledged


class Health:
    """One poller's health; the parts that must outlive the process live in ``checkpoint``."""

    def __init__(self, checkpoint: Checkpoint, clock: Callable[[], datetime], retry: timedelta):
        self.checkpoint = checkpoint
        self.clock = clock
        self.retry = retry
        self.parts = PassParts()
        self.attempted = False  # this process has called the platform (a pass not held back)
        self._records: deque[tuple[datetime, int]] = deque()

    # -- kept in the checkpoint -------------------------------------------------------------

    @property
    def last_success(self) -> datetime | None:
        return parse_time(self.checkpoint.data.get("last_success"))

    @property
    def stopped(self) -> dict[str, Any] | None:
        """``{"why", "remedy", "since", "retry_at"}`` while a person must act, else ``None``."""
        return self.checkpoint.data.get("stopped") or None

    @property
    def paused(self) -> dict[str, dict[str, Any]]:
        """Scope → ``{"why", "remedy", "since", "until"}``: parts skipped until ``until``."""
        paused = self.checkpoint.data.setdefault("paused", {})
        return paused if isinstance(paused, dict) else {}

    def stop(self, stop: Stopped) -> None:
        """The whole connector stopped: kept (its first time too) until a pass runs to its end."""
        now = self.clock()
        earlier = self.stopped
        since = earlier["since"] if earlier and earlier.get("why") == stop.why else iso(now)
        self.checkpoint.data["stopped"] = {
            "why": stop.why,
            "remedy": stop.remedy,
            "since": since,
            "retry_at": iso(now + self.retry),
        }

    def retry_due(self) -> bool:
        """Whether the pass starting now calls the platform: always unless stopped; a stopped
        poller tries at the first pass of the process, then every ``retry``."""
        stopped = self.stopped
        retry_at = parse_time(stopped.get("retry_at")) if stopped else None
        due = stopped is None or not self.attempted or retry_at is None or self.clock() >= retry_at
        self.attempted = self.attempted or due
        return due

    def pause(self, stop: Stopped) -> None:
        """One part stopped (``stop.scope``) until ``stop.until`` (else the retry cadence)."""
        now = self.clock()
        earlier = self.paused.get(stop.scope)
        self.paused[stop.scope] = {
            "why": stop.why,
            "remedy": stop.remedy,
            "since": earlier["since"] if earlier else iso(now),
            "until": iso(stop.until or now + self.retry),
        }

    def is_paused(self, scope: str) -> bool:
        """Whether ``scope`` is paused now; a pause whose time has come is lifted here."""
        paused = self.paused.get(scope)
        if paused is None:
            return False
        until = parse_time(paused.get("until"))
        if until is not None and self.clock() < until:
            return True
        del self.paused[scope]
        return False

    # -- a pass -----------------------------------------------------------------------------

    def begin(self) -> None:
        self.parts = PassParts()

    def end(self, completed: bool) -> bool:
        """The pass is over (``completed``: it ran to its end); whether it was successful. A
        completed pass lifts a stop: the platform answered this time."""
        if completed:
            self.checkpoint.data["stopped"] = None
        parts = self.parts
        ok = completed and (parts.ok > 0 or (parts.failed == 0 and parts.skipped == 0))
        if ok:
            self.checkpoint.data["last_success"] = iso(self.clock())
        return ok

    # -- records ----------------------------------------------------------------------------

    def published(self, count: int) -> None:
        if count:
            self.parts.records += count
            self._records.append((self.clock(), count))

    def records_last_hour(self) -> int:
        since = self.clock() - HOUR
        while self._records and self._records[0][0] < since:
            self._records.popleft()
        return sum(count for _, count in self._records)

    def paused_list(self) -> list[dict[str, Any]]:
        """The paused scopes now in force, for the status."""
        in_force = [scope for scope in sorted(self.paused) if self.is_paused(scope)]
        return [{"scope": scope, **self.paused[scope]} for scope in in_force]
