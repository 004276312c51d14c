"""What a poller says about itself: its state and status (``GET /v1/pollers``) and the record of
each pass (:class:`PollerPass`, to ``poller_passes``), a part of :class:`Poller` kept apart.

``health.py`` says what each state means; docs/operations.md, "Collection health", what to do.
"""

from __future__ import annotations

import logging
from collections import Counter as Tally
from datetime import datetime
from typing import Any, ClassVar

from services.collector.mapping import parse_time
from services.collector.metrics import PollerMetrics
from services.collector.pollers.checkpoint import Checkpoint
from services.collector.pollers.health import Health
from services.collector.pollers.limits import RateLimit
from services.collector.pollers.schedule import iso
from services.collector.pollers.sink import Sink
from services.collector.publisher import KafkaUnavailable
from shared.passes import PollerPass
from shared.registry import Event
from shared.settings import PollingSettings

log = logging.getLogger("sada.collector.pollers")

# Pass records kept while Kafka does not take them, sent with the next pass's.
UNREPORTED_MAX = 60
TEXT_MAX = 2000  # the longest why, remedy or paused line a pass record carries


class PassReports:
    """The state, the status and the pass records of a :class:`Poller`."""

    name: ClassVar[str]
    platform: ClassVar[str]
    event: Event
    polling: PollingSettings
    sink: Sink
    metrics: PollerMetrics
    limit: RateLimit
    checkpoint: Checkpoint
    health: Health
    clock: Any
    state: str
    passes: int
    last_pass: datetime | None
    published: Tally[str]
    dead_letters: int
    errors: int
    last_error: str
    _unreported: list[PollerPass]

    async def finish(self, started: datetime, completed: bool) -> None:
        """The pass is over: its state, the health kept in the checkpoint, its record published."""
        parts = self.health.parts
        ok = self.health.end(completed)
        if completed and not ok and not parts.failed:  # its only parts were paused (a quota)
            self.state = "rate-limited"
        elif completed:
            self.state = "idle" if ok else "failed"
        elif self.state in ("running", "waiting"):  # ended by something else than a block or stop
            self.state = "failed"
        self.passes += 1
        self.last_pass = self.clock()
        self.metrics.last_pass.labels(self.name, self.event.slug).set(self.last_pass.timestamp())
        last_success = self.health.last_success
        if last_success is not None:
            self.metrics.last_success.labels(self.name, self.event.slug).set(last_success.timestamp())
        self.checkpoint.save()
        await self.report(self.pass_record(started, ok))

    def pass_record(self, started: datetime, ok: bool) -> PollerPass:
        state = self.current_state()
        detail = self.detail()
        return PollerPass(
            event=self.event.slug,
            connector=self.name,
            platform=self.platform,
            started_at=started,
            ended_at=self.last_pass or self.clock(),
            ok=ok,
            state="idle" if state == "running" else state,
            until=parse_time(detail.get("until")),
            why=detail.get("why", "")[:TEXT_MAX],
            remedy=detail.get("remedy", "")[:TEXT_MAX],
            paused=[
                f"{p['scope']} until {p['until']}: {p['why']}; {p['remedy']}"[:TEXT_MAX]
                for p in self.health.paused_list()
            ],
            records=self.health.parts.records,
            errors=self.health.parts.failed,
            last_success=self.health.last_success,
            interval_s=self.polling.interval_s,
        )

    async def report(self, passed: PollerPass) -> None:
        """Publish the pass record (with any earlier ones Kafka did not take). Losing one is
        no reason to fail the pass: it is kept for the next (at most :data:`UNREPORTED_MAX`)."""
        self._unreported = [*self._unreported, passed][-UNREPORTED_MAX:]
        try:
            await self.sink.report(self._unreported)
        except KafkaUnavailable as exc:
            self.metrics.errors.labels(self.name, "report").inc()
            log.warning(
                "%s poller (%s): the pass record was not published (%s); it goes with the next pass",
                self.name,
                self.event.slug,
                exc,
            )
            return
        self._unreported = []

    def current_state(self) -> str:
        """running | idle | rate-limited | blocked | failed (``health.py`` says what each means)."""
        if self.state == "waiting":
            return "rate-limited"
        return self.state

    def detail(self) -> dict[str, str]:
        """What goes with the state: ``until`` a rate limit lifts; ``why``, ``remedy`` and
        ``since`` of a stop; ``why`` a pass failed."""
        state = self.current_state()
        if state == "rate-limited":
            paused = [parse_time(p["until"]) for p in self.health.paused_list()]
            until = (
                self.limit.waiting_until
                or self.limit.blocked_until
                or min(filter(None, paused), default=None)
            )
            return {"until": iso(until)} if until else {}
        stopped = self.health.stopped
        if state == "blocked" and stopped:
            return {k: stopped[k] for k in ("why", "remedy", "since", "retry_at") if stopped.get(k)}
        if state == "failed":
            return {"why": self.last_error}
        return {}

    def status(self) -> dict[str, Any]:
        last_success = self.health.last_success
        return {
            "connector": self.name,
            "platform": self.platform,
            "event": self.event.slug,
            "state": self.current_state(),
            **self.detail(),
            "last_success": iso(last_success) if last_success else None,
            "last_pass": iso(self.last_pass) if self.last_pass else None,
            "records_last_hour": self.health.records_last_hour(),
            "paused": self.health.paused_list(),
            "passes": self.passes,
            "known_posts": len(self.checkpoint.posts),
            "published": dict(self.published),
            "dead_letters": self.dead_letters,
            "errors": self.errors,
            "last_error": self.last_error,
            "rate_limit": self.limit.as_dict(),
            "dropped_metrics": dict(self.checkpoint.dropped_metrics),
        }  # no file paths: /v1/pollers answers without a token
