"""Press and blogs: RSS 2.0 and Atom feeds of configured outlets → ``mention`` records.

``SADA_PRESS_OUTLETS`` names a TOML or JSON file listing the outlets::

    [[outlets]]
    feed = "https://www.example.ma/rss.xml"   # also: url
    name = "Example Maroc"                    # also: outlet
    country = "MA"                            # ISO 3166-1 alpha-2
    lang = "fr"                               # when the feed does not say; also: language
    audience = 120000                         # optional

(JSON: a list of such objects, or ``{"outlets": [...]}``.)

Each pass reads every feed (``If-None-Match``/``If-Modified-Since`` from the last read, so
an unchanged feed costs a 304) and keeps the items whose title, summary or categories name
the event's hashtags or keywords in any spelling (``Terms``: case, accents and Arabic letter
forms folded; a hashtag also matches its words written out). With a start and an end, the
event keeps the items published from 30 days before its start to 30 days after its end.

| format v1 (``mention``, platform ``web``) | RSS 2.0 | Atom |
|---|---|---|
| url | link (else a permalink guid) | link rel=alternate (or without rel) |
| published_at | pubDate (RFC 822), else dc:date | published, else updated |
| title | title | title |
| lang | dc:language, else the channel's, else the outlet's | xml:lang of entry or feed, else the outlet's |
| outlet, country, audience | the outlets file | the outlets file |

An item without a date is dated when first read. Mentions are deduplicated by normalised URL
downstream; the checkpoint also remembers the URLs already published, so a restart sends
each article once. A feed that cannot be fetched or parsed is counted and named in the
status; the other feeds go on.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from html import unescape
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from services.collector.mapping import Item, compact, parse_time
from services.collector.pollers.http import Response, without_query
from services.collector.pollers.limits import PollError
from services.collector.pollers.poller import Poller
from services.collector.pollers.schedule import iso
from shared.events import normalise_url

ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MAX_FEED_BYTES = 10 * 1024 * 1024
PRESS_WINDOW = timedelta(days=30)
TAGS = re.compile(r"<[^>]+>")


class OutletsError(ValueError):
    """The outlets file is wrong; the message names the file and the entry."""


class Outlet(BaseModel):
    model_config = ConfigDict(extra="ignore")

    feed: str = Field(min_length=1)
    name: str = Field(min_length=1)
    country: str | None = Field(None, pattern=r"^[A-Za-z]{2}$")
    lang: str | None = None
    audience: int | None = Field(None, ge=0)


_ALIASES = {"url": "feed", "feed_url": "feed", "outlet": "name", "language": "lang"}


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


# --- feeds -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedItem:
    url: str | None
    title: str | None
    summary: str | None
    categories: tuple[str, ...]
    published: datetime | None
    lang: str | None
    raw: bytes


def _text(element: ElementTree.Element | None) -> str | None:
    if element is None:
        return None
    value = "".join(element.itertext()).strip()
    return value or None


def _plain(html: str | None) -> str | None:
    """Feed summaries are often HTML: tags out, entities decoded."""
    return " ".join(unescape(TAGS.sub(" ", html)).split()) or None if html else None


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    moment: datetime | None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        moment = parse_time(value.strip())
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _primary(lang: str | None) -> str | None:
    """``fr-FR`` → ``fr``: the report groups by language, not by region."""
    if not lang or not lang.strip():
        return None
    return re.split(r"[-_]", lang.strip(), maxsplit=1)[0].lower()


def parse_feed(body: bytes) -> list[FeedItem]:
    """The items of an RSS 2.0 or Atom document (raises ``ValueError`` for anything else)."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise ValueError(f"not XML: {exc}") from None
    if root.tag == f"{ATOM}feed":
        return _atom(root)
    if root.tag == "rss" or root.find("channel") is not None:
        return _rss(root)
    raise ValueError(f"neither RSS 2.0 nor Atom (root element {root.tag!r})")


def _raw(element: ElementTree.Element) -> bytes:
    return ElementTree.tostring(element, encoding="utf-8")


def _rss(root: ElementTree.Element) -> list[FeedItem]:
    channel = root.find("channel")
    if channel is None:
        return []
    feed_lang = _text(channel.find("language")) or _text(channel.find(f"{DC}language"))
    items = []
    for item in channel.iter("item"):
        link = _text(item.find("link"))
        guid = item.find("guid")
        if not link and guid is not None and guid.get("isPermaLink", "true") == "true":
            link = _text(guid)
        summary = _text(item.find("description")) or _text(item.find(f"{CONTENT}encoded"))
        items.append(
            FeedItem(
                url=link,
                title=_plain(_text(item.find("title"))),
                summary=_plain(summary),
                categories=tuple(c for c in (_text(c) for c in item.findall("category")) if c),
                published=_date(_text(item.find("pubDate")) or _text(item.find(f"{DC}date"))),
                lang=_primary(_text(item.find(f"{DC}language")) or feed_lang),
                raw=_raw(item),
            )
        )
    return items


def _atom(root: ElementTree.Element) -> list[FeedItem]:
    feed_lang = root.get(XML_LANG)
    items = []
    for item in root.findall(f"{ATOM}entry"):
        links = item.findall(f"{ATOM}link")
        chosen = next((link for link in links if link.get("rel", "alternate") == "alternate"), None)
        summary = _text(item.find(f"{ATOM}summary")) or _text(item.find(f"{ATOM}content"))
        items.append(
            FeedItem(
                url=chosen.get("href") if chosen is not None else None,
                title=_plain(_text(item.find(f"{ATOM}title"))),
                summary=_plain(summary),
                categories=tuple(
                    c.get("term") or "" for c in item.findall(f"{ATOM}category") if c.get("term")
                ),
                published=_date(_text(item.find(f"{ATOM}published")) or _text(item.find(f"{ATOM}updated"))),
                lang=_primary(item.get(XML_LANG) or feed_lang),
                raw=_raw(item),
            )
        )
    return items


# --- the poller ------------------------------------------------------------------------------------


class PressPoller(
    Poller, connector="press", platform="web", options=lambda s: s.press, every=timedelta(minutes=15)
):
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
            await self.guarded("feed", f"{outlet.name} ({without_query(outlet.feed)})", self.read(outlet))

    async def read(self, outlet: Outlet) -> None:
        """One feed: the mentions it brings, then its cursor (etag, date) and the links seen."""
        key = f"feed:{outlet.feed}"
        response = await self.fetch(outlet.feed, self.checkpoint.cursors.get(key) or {})
        if response is None:
            return
        items = parsed(response.content)
        now = self.clock()
        records, fresh = self.mentions(outlet, items, now)
        cursor = {
            "etag": response.headers.get("etag"),
            "modified": response.headers.get("last-modified"),
            "read_at": iso(now),
        }

        def update() -> None:
            self.checkpoint.data.setdefault("seen", []).extend(fresh)
            self.checkpoint.cursors[key] = {k: v for k, v in cursor.items() if v}

        await self.publish(records, update)

    async def fetch(self, feed: str, cursor: dict[str, Any]) -> Response | None:
        """A conditional GET of a feed: ``None`` when it is unchanged since the last read."""
        headers = {
            "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.1",
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

    def mentions(self, outlet: Outlet, items: list[FeedItem], now: datetime) -> tuple[list[Item], list[str]]:
        """The matching items in the event's window, a mention each (a link published before is
        skipped, a matching item without a usable link is dead-lettered); and the new links."""
        seen = self.seen
        fresh: list[str] = []
        records: list[Item] = []
        for index, item in enumerate(items):
            published = item.published or now
            if not self.terms.matches(item.title, item.summary, *item.categories):
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
                "lang": item.lang or _primary(outlet.lang),
                "title": item.title,
                "audience": outlet.audience,
            }
        )


def parsed(body: bytes) -> list[FeedItem]:
    """A feed's items; a feed too large or not RSS/Atom is a :class:`PollError`."""
    if len(body) > MAX_FEED_BYTES:
        raise PollError(f"the feed is larger than {MAX_FEED_BYTES} bytes")
    try:
        return parse_feed(body)
    except ValueError as exc:
        raise PollError(str(exc)) from None


def _link(url: str | None) -> tuple[str, str]:
    """An item's normalised link, or why it has none."""
    if not url:
        return "", "a matching item without a link"
    try:
        return normalise_url(url), ""
    except ValueError as exc:
        return "", str(exc)
