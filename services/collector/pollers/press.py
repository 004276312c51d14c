"""Press and blogs: the feeds of configured outlets → ``mention`` records.

``SADA_PRESS_OUTLETS`` names a TOML or JSON file listing the outlets::

    [[outlets]]
    feed = "https://www.example.ma/rss.xml"   # also: url
    name = "Example Maroc"                    # also: outlet
    country = "MA"                            # ISO 3166-1 alpha-2
    lang = "fr"                               # when the feed does not say; also: language
    timezone = "Africa/Casablanca"            # for dates written without a zone; optional
    audience = 120000                         # optional

(JSON: a list of such objects, or ``{"outlets": [...]}``.)

Each pass reads every feed (``If-None-Match``/``If-Modified-Since`` from the last read, so
an unchanged feed costs a 304), parses it with feedparser (:mod:`.feeds`: RSS 0.9x, RSS 1.0/RDF,
RSS 2.0, Atom, malformed ones too) and keeps the items whose title, summary or categories name
the event's hashtags or keywords in any spelling (``Terms``: case, accents and Arabic letter
forms folded; a hashtag also matches its words written out). With a start and an end, the
event keeps the items published from 30 days before its start to 30 days after its end.

| format v1 (``mention``, platform ``web``) | RSS 0.9x / 1.0 / 2.0 | Atom |
|---|---|---|
| url | link (else a permalink guid), resolved against the feed URL | link rel=alternate |
| published_at | pubDate, else dc:date (:mod:`.dates`) | published, else updated |
| title | title (tags out, entities decoded) | title |
| lang | the item's dc:language, else the channel's, else the outlet's | xml:lang, else the outlet's |
| outlet, country, audience | the outlets file | the outlets file |

**Never dated at the read**: a matching item whose date is missing or unreadable is
dead-lettered with the date text in its reason (PLATFORMS.md, Field notes: "Feeds in the
wild": French and Arabic sites write dates in their language). A date without a zone is in the
outlet's ``timezone``, else the event's (:mod:`.dates`).

Mentions are deduplicated by normalised URL downstream; the checkpoint also remembers the URLs
already published, so a restart sends each article once. A feed that cannot be fetched or that
yields nothing is counted and named in the status (an error); a malformed feed that still yields
items is used and counted as a warning. The other feeds go on.
"""

from __future__ import annotations

import json
import logging
import tomllib
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from services.collector.mapping import Item, compact
from services.collector.pollers.dates import Undated, languages, primary_language, read_date
from services.collector.pollers.feeds import Feed, FeedItem, NotAFeed, read_feed
from services.collector.pollers.http import Response, without_query
from services.collector.pollers.limits import PollError
from services.collector.pollers.poller import Poller
from services.collector.pollers.schedule import iso
from shared.events import normalise_url

MAX_FEED_BYTES = 10 * 1024 * 1024
PRESS_WINDOW = timedelta(days=30)

log = logging.getLogger("sada.collector.pollers")


class OutletsError(ValueError):
    """The outlets file is wrong; the message names the file and the entry."""


class Outlet(BaseModel):
    model_config = ConfigDict(extra="ignore")

    feed: str = Field(min_length=1)
    name: str = Field(min_length=1)
    country: str | None = Field(None, pattern=r"^[A-Za-z]{2}$")
    lang: str | None = None
    timezone: str | None = None  # IANA; the zone of the dates its feed writes without one
    audience: int | None = Field(None, ge=0)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown IANA time zone {value!r} (like Africa/Casablanca)") from None
        return value


_ALIASES = {"url": "feed", "feed_url": "feed", "outlet": "name", "language": "lang", "tz": "timezone"}


def load_outlets(path: Path) -> list[Outlet]:
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise OutletsError(f"{path}: cannot read the outlets file: {exc.strerror}") from None
    try:
        document: Any = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise OutletsError(f"{path}: {exc}") from None
    entries = document.get("outlets", []) if isinstance(document, dict) else document
    if not isinstance(entries, list):
        raise OutletsError(f"{path}: expected a list of outlets (or an 'outlets' list)")
    outlets = []
    for index, raw in enumerate(entries):
        if not isinstance(raw, dict):
            raise OutletsError(f"{path}: outlets[{index}] must be a table or object")
        raw = {_ALIASES.get(key, key): value for key, value in raw.items()}
        try:
            outlets.append(Outlet.model_validate(raw))
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in first["loc"])
            raise OutletsError(f"{path}: outlets[{index}].{where}: {first['msg']}") from None
    return outlets


# --- the poller ---


class PressPoller(
    Poller, connector="press", platform="web", options=lambda s: s.press, every=timedelta(minutes=15)
):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.undated = 0  # matching items dead-lettered for their date
        self.malformed = 0  # feeds read despite a malformation (bozo)
        self.last_warning = ""

    def outlets(self) -> list[Outlet]:
        assert self.settings.press.outlets is not None
        return load_outlets(self.settings.press.outlets)

    def rate_limit_wait(self, response: Response) -> float | None:
        if response.status not in (429, 503) or not response.headers.get("retry-after"):
            return None if response.status != 429 else self.backoff("429")
        self.limit.last_signal = f"{response.status} Retry-After"
        return self.retry_after(response) or self.backoff(f"{response.status}")

    def in_window(self, published: datetime) -> bool:
        start, end = self.event.start, self.event.end
        if start is not None and published < start - PRESS_WINDOW:
            return False
        return end is None or published <= end + PRESS_WINDOW

    def zone(self, outlet: Outlet) -> tzinfo:
        """The zone of a date written without one: the outlet's, else the event's."""
        return ZoneInfo(outlet.timezone) if outlet.timezone else self.event.zone

    @property
    def seen(self) -> set[str]:
        return set(self.checkpoint.data.setdefault("seen", []))

    async def discover(self) -> None:
        try:
            outlets = self.outlets()
        except OutletsError as exc:
            raise PollError(str(exc)) from None
        if not self.terms:
            raise PollError(f"event {self.event.slug!r} has no hashtags or keywords to find in the press")
        for outlet in outlets:
            await self.guarded("feed", describe(outlet), self.read(outlet))

    async def read(self, outlet: Outlet) -> None:
        """One feed: the mentions it brings, then its cursor (etag, date) and the links seen."""
        key = f"feed:{outlet.feed}"
        response = await self.fetch(outlet.feed, self.checkpoint.cursors.get(key) or {})
        if response is None:
            return
        feed = parsed(response, outlet.feed)
        if feed.malformed:
            kind = feed.version or "feed"
            self.warn(f"{describe(outlet)}: malformed {kind}, read anyway ({feed.malformed})")
        now = self.clock()
        records, fresh = self.mentions(outlet, feed.items)
        cursor = {
            "etag": response.headers.get("etag"),
            "modified": response.headers.get("last-modified"),
            "read_at": iso(now),
        }

        def update() -> None:
            self.checkpoint.data.setdefault("seen", []).extend(fresh)
            self.checkpoint.cursors[key] = {k: v for k, v in cursor.items() if v}

        await self.publish(records, update)

    def warn(self, message: str) -> None:
        """A malformation the pass got past: counted and shown, not an error."""
        self.malformed += 1
        self.last_warning = message
        log.warning("press poller (%s) %s", self.event.slug, message)

    async def fetch(self, feed: str, cursor: dict[str, Any]) -> Response | None:
        """A conditional GET of a feed: ``None`` when it is unchanged since the last read."""
        headers = {
            "Accept": "application/rss+xml, application/rdf+xml, application/atom+xml, "
            "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1",
            "User-Agent": "sada press monitor",
        }
        if cursor.get("etag"):
            headers["If-None-Match"] = cursor["etag"]
        if cursor.get("modified"):
            headers["If-Modified-Since"] = cursor["modified"]
        response = await self.request("GET", feed, headers=headers)
        if response.status == 304:
            return None
        if response.status != 200:
            raise PollError(f"HTTP {response.status}")
        return response

    def mentions(self, outlet: Outlet, items: list[FeedItem]) -> tuple[list[Item], list[str]]:
        """The matching items in the event's window, a mention each; and the new links. A link
        published before is skipped; a matching item without a readable date or a usable link is
        dead-lettered."""
        seen = self.seen
        fresh: list[str] = []
        records: list[Item] = []
        for index, item in enumerate(items):
            if not self.terms.matches(item.title, item.summary, *item.categories):
                continue
            try:
                langs = languages(item.lang, outlet.lang)
                published = read_date(item.date_text, item.date_parsed, langs, self.zone(outlet))
            except Undated as exc:
                self.undated += 1
                records.append(Item(f"item.{index}.published", item.raw, None, str(exc)))
                continue
            if not self.in_window(published):
                continue
            link, problem = _link(item.url)
            if problem:
                records.append(Item(f"item.{index}.link", item.raw, None, problem))
            elif link not in seen:
                seen.add(link)
                fresh.append(link)
                records.append(Item(f"item.{index}", item.raw, self.mention(outlet, item, published)))
        return records, fresh

    def mention(self, outlet: Outlet, item: FeedItem, published: datetime) -> dict[str, Any]:
        return compact(
            {
                "type": "mention",
                "event": self.event.slug,
                "platform": "web",
                "url": item.url,
                "published_at": iso(published),
                "outlet": outlet.name,
                "country": outlet.country,
                "lang": item.lang or primary_language(outlet.lang),
                "title": item.title,
                "audience": outlet.audience,
            }
        )

    def status(self) -> dict[str, Any]:
        """The poller's status, with the press's own counts: items dead-lettered for their date,
        feeds read despite a malformation and the last one's reason."""
        return {
            **super().status(),
            "undated_items": self.undated,
            "malformed_feeds": self.malformed,
            "last_warning": self.last_warning,
        }


def describe(outlet: Outlet) -> str:
    return f"{outlet.name} ({without_query(outlet.feed)})"


def parsed(response: Response, url: str) -> Feed:
    """A feed's items; a feed too large or that yields nothing is a :class:`PollError`."""
    if len(response.content) > MAX_FEED_BYTES:
        raise PollError(f"the feed is larger than {MAX_FEED_BYTES} bytes")
    try:
        return read_feed(response.content, url, response.headers.get("content-type"))
    except NotAFeed as exc:
        raise PollError(str(exc)) from None


def _link(url: str | None) -> tuple[str, str]:
    """An item's normalised link, or why it has none."""
    if not url:
        return "", "a matching item without a link"
    try:
        return normalise_url(url), ""
    except ValueError as exc:
        return "", str(exc)
