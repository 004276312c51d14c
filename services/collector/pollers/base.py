"""What every poller shares: the refresh schedule, the checkpoint, rate limits, the HTTP loop,
matching an event's terms, and publishing through Kafka.

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
import json
import logging
import os
import re
import time
from collections import Counter as Tally
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar, Protocol

import aiohttp
from prometheus_client import CollectorRegistry, Counter, Gauge
from yarl import URL

from services.collector.exports.cells import CellError, count
from services.collector.intake import Intake, now_ns
from services.collector.publisher import KafkaUnavailable, Publisher
from services.collector.webhooks import (
    Item,
    Unmappable,
    to_intake,
    unix_time,
)
from shared.chunks import chunked
from shared.hashtags import hashtag_key, hashtags_in
from shared.registry import Event
from shared.settings import Settings

log = logging.getLogger("sada.collector.pollers")


# --- the refresh schedule ----------------------------------------------------------------------

# (posts younger than, are refreshed every); older posts: REFRESH_OLDER.
REFRESH_TIERS: tuple[tuple[timedelta, timedelta], ...] = (
    (timedelta(hours=1), timedelta(minutes=1)),
    (timedelta(days=1), timedelta(minutes=10)),
)
REFRESH_OLDER = timedelta(hours=1)


def refresh_interval(age: timedelta) -> timedelta:
    """How often a post of this age has its figures read again: figures move fastest just
    after posting, so young posts are read every minute and old ones hourly."""
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


# --- time helpers --------------------------------------------------------------------------------


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 time as platforms write it (``Z``, ``+0000``, ``+00:00``); naive = UTC."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def counter(value: object) -> int | None:
    """A platform counter as format v1 wants it: an int ≥ 0, or None (not reported).
    Accepts the strings YouTube sends; anything unreadable is "not reported", never 0."""
    try:
        return count(value)
    except CellError:
        return None


def need_time(value: object, path: str, unix: bool = False) -> str:
    moment = unix_time(value) if unix else parse_time(value)
    if moment is None:
        raise Unmappable(path, f"{value!r} is not a time")
    return moment.isoformat()


# --- matching an event ---------------------------------------------------------------------------

ARABIC = re.compile("[\u0600-\u06ff]")


def fold(text: str) -> str:
    """Case-, accent- and Arabic-spelling-insensitive form of a text (the hashtag key's rules)."""
    return hashtag_key(text)


def _keyword_pattern(folded: str) -> re.Pattern[str]:
    body = r"[\s\-_]+".join(re.escape(word) for word in folded.split())
    if ARABIC.search(folded):
        # Arabic attaches prefixes (و, ب, ال, ل) to the word: match inside words.
        return re.compile(body)
    return re.compile(rf"(?<!\w){body}(?!\w)")


@dataclass(frozen=True)
class Terms:
    """An event's hashtags and keywords, in any spelling: ``#AUSIM2022`` matches ``#ausim2022``,
    ``nation digitale`` matches ``Nation Digitale`` and ``nation-digitale``, ``الأمة الرقمية``
    matches ``والامة الرقمية``. A hashtag also matches its words written out
    (``#المغرب_الرقمي`` ↔ ``المغرب الرقمي``), as press articles rarely write hashtags."""

    tags: frozenset[str]
    patterns: tuple[re.Pattern[str], ...]

    @classmethod
    def of(cls, event: Event) -> Terms:
        tags = frozenset(key for key in (hashtag_key(tag) for tag in event.hashtags) if key)
        phrases = [*event.keywords, *(tag.strip().lstrip("#＃").replace("_", " ") for tag in event.hashtags)]
        folded = dict.fromkeys(fold(phrase) for phrase in phrases if fold(phrase).strip())
        return cls(tags, tuple(_keyword_pattern(phrase) for phrase in folded))

    def __bool__(self) -> bool:
        return bool(self.tags or self.patterns)

    def matches(self, *texts: str | None) -> bool:
        for text in texts:
            if not text:
                continue
            if any(hashtag_key(tag) in self.tags for tag in hashtags_in(text)):
                return True
            folded = fold(text)
            if any(pattern.search(folded) for pattern in self.patterns):
                return True
        return False


# Platform items that could not be mapped, remembered so they are dead-lettered once.
DEAD_LETTERS_KEPT = 5000
# How far before an event's start the posts of its tracked accounts are read.
ACCOUNT_LEAD = timedelta(days=7)
# Without a start, how far back a first pass reads an account.
FIRST_LOOKBACK = timedelta(days=30)


# --- the checkpoint ------------------------------------------------------------------------------


class Checkpoint:
    """A small JSON file, replaced atomically: cursors, known posts, dropped metrics, a block.

    ``posts``: id → ``{"c": created, "r": last refreshed or null, "x": false when the
    platform gives no figures by id, "gone": true once the platform says it was deleted}``.
    """

    VERSION = 1

    def __init__(self, path: Path):
        self.path = path
        self.data = self._load()

    def _load(self) -> dict[str, Any]:
        fresh = {
            "version": self.VERSION,
            "cursors": {},
            "posts": {},
            "dropped_metrics": {},
            "blocked_until": None,
            "seen": [],
        }
        try:
            loaded = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return fresh
        except (OSError, ValueError) as exc:
            aside = self.path.with_suffix(f".unreadable-{int(time.time())}.json")
            log.warning(
                "checkpoint %s is unreadable (%s); set aside as %s, starting afresh",
                self.path,
                exc,
                aside.name,
            )
            os.replace(self.path, aside)
            return fresh
        if not isinstance(loaded, dict):
            return fresh
        return {**fresh, **loaded}

    @property
    def cursors(self) -> dict[str, Any]:
        return self.data["cursors"]

    @property
    def posts(self) -> dict[str, dict[str, Any]]:
        return self.data["posts"]

    @property
    def dropped_metrics(self) -> dict[str, str]:
        return self.data["dropped_metrics"]

    def refreshable(self) -> dict[str, tuple[datetime, datetime | None]]:
        found = {}
        for post_id, known in self.posts.items():
            created = parse_time(known.get("c"))
            if created is None or known.get("gone") or known.get("x") is False:
                continue
            found[post_id] = (created, parse_time(known.get("r")))
        return found

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.data["saved_at"] = iso(utcnow())
        temporary = self.path.with_name(f".{self.path.name}.tmp")
        with temporary.open("w", encoding="utf-8") as sink:
            json.dump(self.data, sink, ensure_ascii=False, separators=(",", ":"))
            sink.flush()
            os.fsync(sink.fileno())
        os.replace(temporary, self.path)


def state_dir(settings: Settings) -> Path:
    return settings.poll_state_dir or settings.data_dir / "pollers"


# --- rate limits ---------------------------------------------------------------------------------


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


# --- metrics and sinks ---------------------------------------------------------------------------


class PollerMetrics:
    """The pollers' Prometheus metrics (label ``connector``: x, youtube, …, press)."""

    def __init__(self, registry: CollectorRegistry | None = None):
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "sada_poller_requests",
            "Platform API requests, by connector and HTTP status",
            ["connector", "status"],
            registry=r,
        )
        self.records = Counter(
            "sada_poller_records",
            "Records published and acknowledged by Kafka, by type",
            ["connector", "type"],
            registry=r,
        )
        self.dead_letters = Counter(
            "sada_poller_dead_letters",
            "Platform items sent to the dead-letter topic",
            ["connector"],
            registry=r,
        )
        self.errors = Counter(
            "sada_poller_errors",
            "Failures (request, page, metric, feed), by stage",
            ["connector", "stage"],
            registry=r,
        )
        self.rate_limited = Counter(
            "sada_poller_rate_limited",
            "Rate-limit answers (429, quota, throttling codes)",
            ["connector"],
            registry=r,
        )
        self.remaining = Gauge(
            "sada_poller_rate_limit_remaining",
            "Calls left in the window as the platform reports it (Meta: 100 - usage %)",
            ["connector"],
            registry=r,
        )
        self.waiting = Gauge(
            "sada_poller_rate_limit_wait_seconds",
            "Seconds the poller is waiting for a rate limit (0 = not waiting)",
            ["connector", "event"],
            registry=r,
        )
        self.blocked = Gauge(
            "sada_poller_blocked", "1 while blocked until a quota resets", ["connector", "event"], registry=r
        )
        self.known = Gauge(
            "sada_poller_known_posts",
            "Posts whose figures the poller follows",
            ["connector", "event"],
            registry=r,
        )
        self.last_pass = Gauge(
            "sada_poller_last_pass_timestamp_seconds",
            "When the last pass ended",
            ["connector", "event"],
            registry=r,
        )


class Sink(Protocol):
    async def publish(self, intake: Intake, source: str) -> None: ...


class PublisherSink:
    """Straight to Kafka through the collector's :class:`Publisher` (waits for acks=all)."""

    def __init__(self, publisher: Publisher):
        self.publisher = publisher

    async def publish(self, intake: Intake, source: str) -> None:
        await asyncio.to_thread(self.publisher.publish, intake, source)


# --- mapped items ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One platform item in format v1: a post and/or a metrics snapshot, or why neither."""

    path: str
    raw: bytes
    post: dict | None = None
    metrics: dict | None = None
    reason: str = ""
    refreshable: bool = True  # False: the platform gives no figures by id (hashtag media)
    extra: Mapping[str, Any] | None = None  # kept with the known post (what refreshing needs)
    item_id: str | None = None  # the platform's id of an item that could not be mapped

    @property
    def post_id(self) -> str | None:
        return (self.post or self.metrics or {}).get("post_id")


def entry(
    path: str,
    obj: object,
    build: Callable[[], tuple[dict | None, dict | None]],
    refreshable: bool = True,
    extra: Mapping[str, Any] | None = None,
) -> Entry:
    raw = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    try:
        post, metrics = build()
    except Unmappable as exc:
        item_id = obj.get("id") if isinstance(obj, dict) else None
        return Entry(
            ".".join(part for part in (path, exc.field) if part),
            raw,
            reason=exc.reason,
            item_id=f"{item_id}|{exc.field}|{exc.reason}" if isinstance(item_id, (str, int)) else None,
        )
    return Entry(path, raw, post, metrics, refreshable=refreshable, extra=extra)


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]  # lower-cased names
    content: bytes
    charset: str = "utf-8"

    @property
    def text(self) -> str:
        try:
            return self.content.decode(self.charset, errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        try:
            return json.loads(self.text)
        except ValueError:
            return None


def without_query(url: str | URL) -> str:
    """A URL fit for messages and logs: no query string (tokens travel there)."""
    return str(URL(str(url)).with_query(None))


# --- the poller ----------------------------------------------------------------------------------


class Poller:
    """One platform, one event. Subclasses set ``name``/``platform`` and implement
    :meth:`discover` and :meth:`refresh` (and :meth:`rate_limit_wait` for their signals)."""

    name: ClassVar[str]  # the connector: x, youtube, facebook, instagram, linkedin, tiktok, press
    platform: ClassVar[str]  # format v1 platform
    token_setting: ClassVar[str]  # the setting that turns the connector on
    discover_every: ClassVar[timedelta] = timedelta(minutes=1)
    refresh_batch: ClassVar[int] = 100

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
        self.event = event
        self.session = session
        self.sink = sink
        self.metrics = metrics or PollerMetrics()
        self.limit = limit or RateLimit()
        self.clock = clock
        self.sleep = sleep
        self.terms = Terms.of(event)
        self.source = f"poller:{self.name}"
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
        value = getattr(settings, cls.token_setting)
        return bool(value.get_secret_value() if hasattr(value, "get_secret_value") else value)

    @property
    def url(self) -> str:
        """The API's base URL, from ``SADA_<CONNECTOR>_BASE_URL``."""
        return getattr(self.settings, f"{self.name}_base_url").rstrip("/")

    @property
    def token(self) -> str:
        value = getattr(self.settings, self.token_setting)
        if value is None:
            return ""
        return value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)

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

    def rate_limit_wait(self, response: Response) -> float | None:
        """Seconds to wait when ``response`` is a rate-limit signal (and update ``self.limit``),
        else None. The default: 429, with ``Retry-After`` when given, else exponential backoff."""
        if response.status != 429:
            return None
        return self.retry_after(response) or self.backoff("429")

    # -- helpers for platforms --------------------------------------------------------------

    def retry_after(self, response: Response) -> float | None:
        value = response.headers.get("retry-after", "")
        return float(value) if value.isdigit() else None

    def backoff(self, signal: str) -> float:
        self.limit.last_signal = signal
        return self.limit.backoff(self.settings.poll_backoff_initial_s, self.settings.poll_backoff_max_s)

    def pre_request_wait(self) -> float | None:
        """Before a request: the window is used up and resets later → wait for the reset."""
        if self.limit.remaining == 0 and self.limit.reset_at is not None:
            wait = self.limit.reset_at.timestamp() - time.time()
            if wait > 0:
                return wait + 0.5
            self.limit.remaining = None
        return None

    async def request(
        self,
        method: str,
        url: str | URL,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """One API call: waits out rate limits, retries network errors and 5xx with backoff,
        returns any other answer for the connector to read."""
        attempts, limited = 0, 0
        shown = without_query(url)
        while True:
            wait = self.pre_request_wait()
            if wait is not None:
                await self.hold(wait, f"{self.name}: no calls left until the window resets")
            problem = ""
            try:
                async with self.session.request(
                    method,
                    url,
                    params=params,
                    json=body,
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=self.settings.poll_timeout_s),
                ) as answer:
                    response = Response(
                        answer.status,
                        {k.lower(): v for k, v in answer.headers.items()},
                        await answer.read(),
                        answer.charset or "utf-8",
                    )
            except (aiohttp.ClientError, TimeoutError) as exc:
                problem = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                self.metrics.requests.labels(self.name, "network").inc()
            else:
                self.metrics.requests.labels(self.name, str(response.status)).inc()
                wait = self.rate_limit_wait(response)
                self._gauge_remaining()
                if wait is not None:
                    limited += 1
                    self.limit.rate_limited += 1
                    self.metrics.rate_limited.labels(self.name).inc()
                    why = f"{self.name} rate limit ({self.limit.last_signal or response.status})"
                    log.warning("%s on %s: waiting %.1f s", why, shown, wait)
                    if limited > 10:
                        until = self.clock() + timedelta(seconds=wait)
                        self.block(until)
                        raise Blocked(until, why + ", 10 times in a row")
                    await self.hold(wait, why)
                    continue
                if response.status != 429:
                    self.limit.failures = 0
                if response.status < 500:
                    return response
                problem = f"HTTP {response.status}"
            attempts += 1
            if attempts > self.settings.poll_retries:
                raise PollError(f"{method} {shown} failed {attempts} times: {problem}")
            await self.sleep(
                min(
                    self.settings.poll_backoff_max_s,
                    self.settings.poll_backoff_initial_s * 2 ** (attempts - 1),
                )
            )

    def _gauge_remaining(self) -> None:
        if self.limit.remaining is not None:
            self.metrics.remaining.labels(self.name).set(self.limit.remaining)
        elif self.limit.usage_percent is not None:
            self.metrics.remaining.labels(self.name).set(max(0.0, 100 - self.limit.usage_percent))

    async def hold(self, wait_s: float, why: str) -> None:
        """Wait ``wait_s`` for a rate limit, or end the pass when that is too long."""
        wait_s = max(0.0, wait_s)
        until = self.clock() + timedelta(seconds=wait_s)
        if wait_s > self.settings.poll_max_wait_s:
            self.block(until)
            raise Blocked(until, why)
        self.limit.waiting_until = until
        self.metrics.waiting.labels(self.name, self.event.slug).set(wait_s)
        previous, self.state = self.state, "waiting"
        try:
            await self.sleep(wait_s)
        finally:
            self.state = previous
            self.limit.waiting_until = None
            self.metrics.waiting.labels(self.name, self.event.slug).set(0)

    def block(self, until: datetime) -> None:
        self.limit.blocked_until = until
        self.checkpoint.data["blocked_until"] = iso(until)
        self.checkpoint.save()
        self.metrics.blocked.labels(self.name, self.event.slug).set(1)

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
        """Publish what a page found, then move the cursors. Discovery: a new post with its
        figures; a known post's figures when they are due. Refresh: every snapshot."""
        now = self.clock()
        items: list[Item] = []
        new: dict[str, dict[str, Any]] = {}
        refreshed: set[str] = set()
        posts = self.checkpoint.posts
        dead = self.checkpoint.data.setdefault("dead", [])
        known_dead, new_dead = set(dead), []
        for found in entries:
            if found.reason:
                if found.item_id is None or found.item_id not in known_dead:
                    items.append(Item(found.path, found.raw, None, found.reason))
                if found.item_id is not None and found.item_id not in known_dead:
                    known_dead.add(found.item_id)
                    new_dead.append(found.item_id)
                continue
            post_id = found.post_id
            if post_id is None:
                continue
            if found.post is not None and post_id not in posts and post_id not in new:
                items.append(Item(found.path, found.raw, found.post))
                if found.metrics is not None:
                    items.append(Item(found.path, found.raw, found.metrics))
                new[post_id] = {
                    **(found.extra or {}),
                    "c": found.post.get("created_at"),
                    "r": iso(now) if found.metrics else None,
                }
                if not found.refreshable:
                    new[post_id]["x"] = False
                continue
            if found.metrics is None or post_id in refreshed:
                continue
            known = posts.get(post_id) or new.get(post_id) or {}
            created = parse_time(known.get("c")) or now
            if refreshing or (
                post_id not in self._refreshed and is_due(created, parse_time(known.get("r")), now)
            ):
                items.append(Item(found.path, found.raw, found.metrics))
                refreshed.add(post_id)

        def update() -> None:
            # an item dead-lettered once is not sent again each time a page shows it (its figures
            # change, so its bytes, so its reject id would too); the last few thousand are kept
            dead.extend(new_dead)
            del dead[:-DEAD_LETTERS_KEPT]
            posts.update(new)
            for post_id in refreshed:
                if post_id in posts:
                    posts[post_id]["r"] = iso(now)
            self._refreshed.update(refreshed)
            self._refreshed.update(post_id for post_id, known in new.items() if known["r"])
            for key, value in (cursors or {}).items():
                if value is None:
                    self.checkpoint.cursors.pop(key, None)
                else:
                    self.checkpoint.cursors[key] = value

        await self.publish(items, update)

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
        return self.settings.poll_interval_s

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
            "checkpoint": str(self.checkpoint.path),
        }
