"""The poller: one platform, one event; what every connector shares (the schedule, the
checkpoint, rate limits, HTTP, the pass reports and the publishing of pages are in their own
modules beside this one).

A poller follows one event on one platform. A *pass* (:meth:`Poller.poll_once`) does two things:

1. **discover**: page through what the platform says about the event (a search, a hashtag,
   the tracked accounts' posts) and publish each new post, with the figures the page carries;
2. **refresh**: ask for the figures of the known posts that are due (:func:`refresh_interval`:
   young posts often, old ones rarely) and publish one ``metrics`` snapshot per post.

Every page is published (Kafka acknowledged) *before* the checkpoint moves past it, so a crash
re-reads at most one page, and the store counts it once (DESIGN §3 identities). The checkpoint
(``<state dir>/<connector>-<event>.json``) holds the cursors, every known post with its
creation and last refresh times, the metrics the platform refused, and a quota block.

Rate limits: each platform says how it signals them (:meth:`Poller.rate_limit_wait`); the
poller waits until the reset when that is within ``SADA_POLL_MAX_WAIT_S``, else it ends the
pass and stays *rate-limited* until the reset (kept across restarts).

Stops a person must lift (:class:`Stopped`, raised by a connector: credentials invalidated, an
API version sunset): with no scope the pass ends and the poller is *blocked*, with why and what
to do, kept in the checkpoint and retried at a slow cadence (``health.py``); with a scope
(YouTube's ``search``) only the parts of that name are skipped until the stop's ``until``, the
rest of the pass goes on. A part's scope is its stage (:meth:`Poller.guarded`); a connector
asks :meth:`Poller.paused` for anything else.

A failed page, request or metric never stops the rest: it is counted, named in the status,
and retried at the next pass from the checkpointed cursor. An item that cannot be mapped goes
to the dead-letter topic with its reason, like a bad webhook item.

Everything is reported in :meth:`Poller.status` (``GET /v1/pollers``), as Prometheus metrics
(:class:`PollerMetrics`), and, at the end of every pass, as one :class:`PollerPass` record on
the pollers topic, stored in ``poller_passes`` for the Pipeline health dashboard and the
"collection stalled" alert (docs/operations.md, "Collection health").
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter as Tally
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar

import aiohttp

from services.collector.mapping import compact, parse_time
from services.collector.metrics import PollerMetrics
from services.collector.pollers.checkpoint import Checkpoint, state_dir
from services.collector.pollers.entries import Entry
from services.collector.pollers.health import STATES, Health
from services.collector.pollers.http import Requests
from services.collector.pollers.limits import Blocked, PollError, RateLimit, Stopped
from services.collector.pollers.publishing import Publishing
from services.collector.pollers.reporting import PassReports
from services.collector.pollers.schedule import due_posts, iso, utcnow
from services.collector.pollers.sink import Sink
from services.collector.pollers.terms import Terms
from shared.chunks import chunked
from shared.passes import PollerPass
from shared.registry import Event
from shared.settings import Connector, PressSettings, Settings, revealed

log = logging.getLogger("sada.collector.pollers")

# How far before an event's start the posts of its tracked accounts are read.
ACCOUNT_LEAD = timedelta(days=7)
# Without a start, how far back a first pass reads an account.
FIRST_LOOKBACK = timedelta(days=30)


class Poller(Requests, PassReports, Publishing):
    """One platform, one event. A connector names itself in its class line
    (``class XPoller(Poller, connector="x", options=lambda s: s.x)``: its settings group, how
    often it discovers, how many posts a refresh call takes) and implements :meth:`discover`
    and :meth:`refresh` (and :meth:`rate_limit_wait` for its signals)."""

    name: ClassVar[str]  # the connector: x, youtube, facebook, instagram, linkedin, tiktok, press
    platform: ClassVar[str]  # format v1 platform
    options_of: ClassVar[Callable[[Settings], Connector | PressSettings]]  # its settings group
    discover_every: ClassVar[timedelta] = timedelta(minutes=1)
    refresh_batch: ClassVar[int] = 100

    def __init_subclass__(
        cls,
        connector: str = "",
        platform: str = "",
        options: Callable[[Settings], Connector | PressSettings] | None = None,
        every: timedelta | None = None,
        batch: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        if connector:
            cls.name, cls.platform = connector, platform or connector
        if options is not None:
            cls.options_of = staticmethod(options)
        if every is not None:
            cls.discover_every = every
        if batch is not None:
            cls.refresh_batch = batch

    def __init__(
        self,
        settings: Settings,
        event: Event,
        session: aiohttp.ClientSession,
        sink: Sink,
        metrics: PollerMetrics | None = None,
        limit: RateLimit | None = None,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        self.settings = settings
        self.polling = settings.polling
        self.event = event
        self.session = session
        self.sink = sink
        self.metrics = metrics or PollerMetrics()
        self.limit = limit or RateLimit()
        self.clock = clock
        self.sleep = sleep
        self.terms = Terms.of(event)
        self.source = f"api:{self.name}"  # of its records and its dead letters alike
        self.checkpoint = Checkpoint(state_dir(settings) / f"{self.name}-{event.slug}.json")
        blocked = parse_time(self.checkpoint.data.get("blocked_until"))
        if blocked and (self.limit.blocked_until is None or blocked > self.limit.blocked_until):
            self.limit.blocked_until = blocked
        self.health = Health(self.checkpoint, clock, timedelta(seconds=self.polling.stopped_retry_s))
        # running | waiting (in a pass, for a rate limit: http.py) | idle | rate-limited | blocked
        # | failed; :meth:`current_state` is what the outside sees.
        self.state = "blocked" if self.health.stopped else "idle"
        self.passes = 0
        self.last_pass: datetime | None = None
        self.published: Tally[str] = Tally()
        self.dead_letters = 0
        self.errors = 0
        self.last_error = ""
        self._refreshed: set[str] = set()
        self._unreported: list[PollerPass] = []
        self.metrics.watch(self.name, event.slug, self.current_state, self.health.records_last_hour, STATES)
        last_success = self.health.last_success
        if last_success is not None:
            self.metrics.last_success.labels(self.name, event.slug).set(last_success.timestamp())

    # -- configuration ----------------------------------------------------------------------

    @classmethod
    def configured(cls, settings: Settings) -> bool:
        """Whether its token (press: its outlets file) is set."""
        return cls.options_of(settings).enabled()

    @property
    def connection(self) -> Connector:
        options = type(self).options_of(self.settings)
        if not isinstance(options, Connector):
            raise TypeError(f"the {self.name} connector calls no platform API")
        return options

    @property
    def url(self) -> str:
        """The API's base URL, from ``SADA_<CONNECTOR>_BASE_URL``."""
        return self.connection.base_url.rstrip("/")

    @property
    def token(self) -> str:
        return revealed(self.connection.token)

    def accounts(self, setting: list[str] | None = None) -> list[str]:
        """The tracked accounts: the setting when given, else the registry's for this platform."""
        return list(setting or self.event.accounts.get(self.platform, []))

    def since(self) -> datetime:
        """The earliest creation time of interest for an account's posts."""
        if self.event.start:
            return self.event.start - ACCOUNT_LEAD
        return self.clock() - FIRST_LOOKBACK

    def belongs(self, text: str | None, created: datetime | None) -> bool:
        """Whether a tracked account's post is about the event: it names the event's hashtags or
        keywords; an event without any takes every post since :meth:`since` (until its end)."""
        if self.terms:
            return self.terms.matches(text)
        if created is None or created < self.since():
            return False
        return self.event.end is None or created <= self.event.end + ACCOUNT_LEAD

    # -- what platforms implement -----------------------------------------------------------

    async def discover(self) -> None:
        raise NotImplementedError

    async def refresh(self, post_ids: list[str]) -> list[Entry]:
        """One metrics entry per post the platform still reports (the rest are skipped)."""
        return []

    def fail(self, stage: str, problem: Exception | str) -> None:
        """A part of the pass failed: counted, named in the status; the pass goes on."""
        self.errors += 1
        self.health.parts.failed += 1
        self.last_error = f"{stage}: {problem}"
        self.metrics.errors.labels(self.name, stage).inc()
        log.warning("%s poller (%s) %s failed: %s", self.name, self.event.slug, stage, problem)

    def paused(self, scope: str) -> bool:
        """Whether the parts named ``scope`` are skipped now (a :class:`Stopped` with that scope
        whose ``until`` has not come)."""
        return self.health.is_paused(scope)

    def pause(self, stop: Stopped) -> None:
        """A scoped stop: skip that part (counted as skipped) until its ``until``; the rest of
        the pass goes on. An unscoped stop ends the pass: it is raised again."""
        if not stop.scope:
            raise stop
        self.health.parts.skipped += 1
        self.health.pause(stop)
        self.metrics.errors.labels(self.name, stop.scope).inc()
        log.warning(
            "%s poller (%s): %s paused until %s: %s",
            self.name,
            self.event.slug,
            stop.scope,
            self.health.paused[stop.scope]["until"],
            stop,
        )

    async def guarded(self, stage: str, what: str, action: Coroutine[Any, Any, None]) -> None:
        """Run one part of a pass (a search, a Page, a feed); its failure is counted and the
        pass goes on with the next part. A rate-limit block or a :class:`Stopped` without a
        scope ends the pass; one with a scope pauses that scope. ``stage`` is the part's scope:
        while it is paused the part is skipped."""
        if self.paused(stage):
            action.close()  # never started: nothing to wait for
            self.health.parts.skipped += 1
            return
        try:
            await action
        except Blocked:
            raise
        except Stopped as stop:
            self.pause(stop)
        except PollError as exc:
            self.fail(stage, f"{what}: {exc}")
        else:
            self.health.parts.ok += 1

    def observed(self) -> str:
        return iso(self.clock())

    def base(self, kind: str, post_id: str) -> dict[str, Any]:
        return {"type": kind, "event": self.event.slug, "platform": self.platform, "post_id": post_id}

    def snapshot(self, post_id: str, observed: str, values: Mapping[str, int | None]) -> dict | None:
        """A metrics record of the figures the platform reported (``None`` when it reported none)."""
        if all(value is None for value in values.values()):
            return None
        return compact({**self.base("metrics", post_id), "observed_at": observed, **values})

    def known(self, post_id: str) -> bool:
        return post_id in self.checkpoint.posts

    # -- passes -----------------------------------------------------------------------------

    def discovery_due(self) -> bool:
        last = parse_time(self.checkpoint.data.get("discovered_at"))
        return last is None or self.clock() - last >= self.discover_every

    async def refresh_due(self) -> None:
        """Refresh the known posts that are due, in batches (the ``refresh`` scope: skipped
        whole while it is paused)."""
        due = [
            post_id
            for post_id in due_posts(self.checkpoint.refreshable(), self.clock())
            if post_id not in self._refreshed
        ]
        for batch in chunked(due, self.refresh_batch):
            if self.paused("refresh"):
                self.health.parts.skipped += 1
                return
            try:
                entries = await self.refresh(batch)
                await self.take(entries, refreshing=True)
            except Blocked:
                raise
            except Stopped as stop:
                self.pause(stop)
            except PollError as exc:
                self.fail("refresh", exc)
            else:
                self.health.parts.ok += 1

    async def discover_guarded(self, now: datetime) -> None:
        """Discovery as one part: a connector whose :meth:`discover` runs guarded parts of its
        own is counted by them; one that does not, by whether discovery raised."""
        parts = (self.health.parts.ok, self.health.parts.failed, self.health.parts.skipped)
        try:
            await self.discover()
        except Blocked:
            raise
        except Stopped as stop:
            self.pause(stop)
        except PollError as exc:
            self.fail("discover", exc)
        else:
            self.checkpoint.data["discovered_at"] = iso(now)
            if parts == (self.health.parts.ok, self.health.parts.failed, self.health.parts.skipped):
                self.health.parts.ok += 1

    async def poll_once(self, discover: bool = True) -> dict[str, Any]:
        """One pass: discover (unless told not to), then refresh what is due; then its
        :class:`PollerPass` is published. A rate-limited poller waits for the reset, a blocked
        one for its retry (``health.py``): their pass only reports the state."""
        now = self.clock()
        self.health.begin()
        if self.limit.blocked_until is not None:
            if now < self.limit.blocked_until:
                self.state = "rate-limited"
                await self.finish(now, completed=False)
                return self.status()
            self.limit.blocked_until = None
            self.checkpoint.data["blocked_until"] = None
            self.metrics.blocked.labels(self.name, self.event.slug).set(0)
        if not self.health.retry_due():
            self.state = "blocked"
            await self.finish(now, completed=False)
            return self.status()
        self.state = "running"
        self._refreshed = set()
        completed = cancelled = False
        try:
            if discover:
                await self.discover_guarded(now)
            await self.refresh_due()
            completed = True
        except Blocked as exc:
            self.fail("rate limit", exc)
            self.state = "rate-limited"
        except Stopped as stop:  # no scope: a person must act
            self.health.stop(stop)
            self.fail("stopped", stop)
            self.state = "blocked"
        except asyncio.CancelledError:
            cancelled = True
            raise
        finally:
            if not cancelled:
                await self.finish(now, completed)
        return self.status()

    def next_wait(self) -> float:
        """Until the next pass: the rate limit's reset, a stopped poller's retry, or the interval."""
        if self.limit.blocked_until is not None:
            return max(1.0, (self.limit.blocked_until - self.clock()).total_seconds())
        return self.polling.interval_s

    async def run_forever(self) -> None:
        while True:
            try:
                await self.poll_once(discover=self.discovery_due())
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a bug in one poller must not stop the others
                log.exception("%s poller (%s) pass failed", self.name, self.event.slug)
                self.fail("pass", exc)
            await self.sleep(self.next_wait())
