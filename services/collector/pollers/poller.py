"""The poller: one platform, one event; what every connector shares (the schedule, the
checkpoint, rate limits and HTTP are in their own modules beside this one).

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
pass and stays *blocked* until the reset (kept across restarts). Everything is reported in
:meth:`Poller.status` and as Prometheus metrics (:class:`PollerMetrics`).

A failed page, request or metric never stops the rest: it is counted, named in the status,
and retried at the next pass from the checkpointed cursor. An item that cannot be mapped goes
to the dead-letter topic with its reason, like a bad webhook item.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter as Tally
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar

import aiohttp

from services.collector.intake import now_ns
from services.collector.mapping import Item, compact, parse_time, to_intake
from services.collector.metrics import PollerMetrics
from services.collector.pollers.checkpoint import Checkpoint, state_dir
from services.collector.pollers.entries import Entry
from services.collector.pollers.http import Requests
from services.collector.pollers.limits import Blocked, PollError, RateLimit
from services.collector.pollers.page import Page
from services.collector.pollers.schedule import due_posts, iso, utcnow
from services.collector.pollers.sink import Sink
from services.collector.pollers.terms import Terms
from services.collector.publisher import KafkaUnavailable
from shared.chunks import chunked
from shared.registry import Event
from shared.settings import Connector, PressSettings, Settings, revealed

log = logging.getLogger("sada.collector.pollers")

# How far before an event's start the posts of its tracked accounts are read.
ACCOUNT_LEAD = timedelta(days=7)
# Without a start, how far back a first pass reads an account.
FIRST_LOOKBACK = timedelta(days=30)


class Poller(Requests):
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
        self.state = "idle"
        self.passes = 0
        self.last_pass: datetime | None = None
        self.published: Tally[str] = Tally()
        self.dead_letters = 0
        self.errors = 0
        self.last_error = ""
        self._refreshed: set[str] = set()

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
        self.errors += 1
        self.last_error = f"{stage}: {problem}"
        self.metrics.errors.labels(self.name, stage).inc()
        log.warning("%s poller (%s) %s failed: %s", self.name, self.event.slug, stage, problem)

    async def guarded(self, stage: str, what: str, action: Awaitable[None]) -> None:
        """Run one part of a pass (a search, a Page, a feed); its failure is counted and the
        pass goes on with the next part. A rate-limit block ends the pass."""
        try:
            await action
        except Blocked:
            raise
        except PollError as exc:
            self.fail(stage, f"{what}: {exc}")

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

    # -- publishing -------------------------------------------------------------------------

    async def publish(self, items: list[Item], update: Callable[[], None] = lambda: None) -> None:
        """Publish ``items`` and wait for Kafka; only then apply ``update`` to the checkpoint and
        save it. A Kafka failure raises :class:`PollError` with the checkpoint unmoved."""
        if items:
            intake = to_intake(items, self.event.slug, now_ns(), numbered=False)
            try:
                await self.sink.publish(intake, self.source)
            except KafkaUnavailable as exc:
                raise PollError(f"Kafka did not take the records ({exc}); this page is read again") from exc
            for _, record in intake.accepted:
                self.published[record.type] += 1
                self.metrics.records.labels(self.name, record.type).inc()
            self.dead_letters += len(intake.rejected)
            self.metrics.dead_letters.labels(self.name).inc(len(intake.rejected))
        update()
        self.checkpoint.save()
        self.metrics.known.labels(self.name, self.event.slug).set(len(self.checkpoint.posts))

    async def take(
        self, entries: Iterable[Entry], cursors: Mapping[str, Any] | None = None, refreshing: bool = False
    ) -> None:
        """Publish what a page found (:class:`Page`), then move the checkpoint and the cursors."""
        dead = self.checkpoint.data.setdefault("dead", [])
        page = Page(self.clock(), self.checkpoint.posts, set(dead), self._refreshed, refreshing)
        for found in entries:
            page.sort(found)

        def update() -> None:
            page.apply(self.checkpoint)
            self._refreshed.update(page.published())
            self.move(cursors or {})

        await self.publish(page.items, update)

    def move(self, cursors: Mapping[str, Any]) -> None:
        """Set the cursors a page moved; a ``None`` cursor is dropped (its listing is done)."""
        for key, value in cursors.items():
            if value is None:
                self.checkpoint.cursors.pop(key, None)
            else:
                self.checkpoint.cursors[key] = value

    def forget(self, post_ids: Iterable[str]) -> None:
        """The platform says these posts are gone: stop asking for their figures."""
        for post_id in post_ids:
            if post_id in self.checkpoint.posts:
                self.checkpoint.posts[post_id]["gone"] = True

    # -- passes -----------------------------------------------------------------------------

    def discovery_due(self) -> bool:
        last = parse_time(self.checkpoint.data.get("discovered_at"))
        return last is None or self.clock() - last >= self.discover_every

    async def refresh_due(self) -> None:
        due = [
            post_id
            for post_id in due_posts(self.checkpoint.refreshable(), self.clock())
            if post_id not in self._refreshed
        ]
        for batch in chunked(due, self.refresh_batch):
            try:
                entries = await self.refresh(batch)
                await self.take(entries, refreshing=True)
            except Blocked:
                raise
            except PollError as exc:
                self.fail("refresh", exc)

    async def poll_once(self, discover: bool = True) -> dict[str, Any]:
        """One pass: discover (unless told not to), then refresh what is due."""
        now = self.clock()
        if self.limit.blocked_until is not None:
            if now < self.limit.blocked_until:
                self.state = "blocked"
                return self.status()
            self.limit.blocked_until = None
            self.checkpoint.data["blocked_until"] = None
            self.metrics.blocked.labels(self.name, self.event.slug).set(0)
        self.state = "polling"
        self._refreshed = set()
        try:
            if discover:
                try:
                    await self.discover()
                    self.checkpoint.data["discovered_at"] = iso(now)
                except Blocked:
                    raise
                except PollError as exc:
                    self.fail("discover", exc)
            await self.refresh_due()
            self.state = "idle"
        except Blocked as exc:
            self.fail("rate limit", exc)
            self.state = "blocked"
        finally:
            if self.state not in ("idle", "blocked"):
                self.state = "failed"
            self.passes += 1
            self.last_pass = self.clock()
            self.metrics.last_pass.labels(self.name, self.event.slug).set(self.last_pass.timestamp())
            self.checkpoint.save()
        return self.status()

    def next_wait(self) -> float:
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

    def status(self) -> dict[str, Any]:
        return {
            "connector": self.name,
            "platform": self.platform,
            "event": self.event.slug,
            "state": self.state,
            "passes": self.passes,
            "last_pass": iso(self.last_pass) if self.last_pass else None,
            "known_posts": len(self.checkpoint.posts),
            "published": dict(self.published),
            "dead_letters": self.dead_letters,
            "errors": self.errors,
            "last_error": self.last_error,
            "rate_limit": self.limit.as_dict(),
            "dropped_metrics": dict(self.checkpoint.dropped_metrics),
        }  # no file paths: /v1/pollers answers without a token
