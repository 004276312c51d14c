"""A fetched feed's bytes → its items, with feedparser (RSS 0.9x, RSS 1.0/RDF, RSS 2.0, Atom).

Real press feeds are often not well-formed XML: HTML entities (``&nbsp;``, ``&eacute;``) in a
non-XHTML feed, a declared encoding the bytes do not follow, CDATA titles, relative links
(PLATFORMS.md, Field notes: "Feeds in the wild"). feedparser reads all of these: it tries a
strict XML parse, and on failure sets ``bozo`` with the reason and reads the document with its
loose parser (feedparser docs, "Bozo detection": https://feedparser.readthedocs.io/en/latest/bozo.html).
So:

- a malformed feed that still yields items is used; :attr:`Feed.malformed` says what was wrong,
  for the poller's status (a warning, not a failure);
- a document that is not a feed at all, or a broken one that yields no items, raises
  :class:`NotAFeed` with the reason (a well-formed feed with no items is just empty).

feedparser never fetches here: the poller's HTTP layer does (conditional GET, rate limits), and
the bytes are handed over as a stream, with the answer's ``Content-Type`` (its charset) and the
feed's URL as ``Content-Location``, the base relative links are resolved against.

A feed whose bytes are UTF-8 while it declares a single-byte encoding (``ISO-8859-1``, or
``text/xml`` without a charset, which RFC 3023 makes US-ASCII) would read as "SÃ©curitÃ©";
such a feed is read again as UTF-8 and that is reported as a malformation.
"""

from __future__ import annotations

import io
import json
import re
import time
from dataclasses import dataclass
from html import unescape
from typing import Any
from xml.sax import SAXException

import feedparser

from services.collector.pollers.dates import primary_language

TAGS = re.compile(r"<[^>]+>")
UTF8 = ("utf-8", "utf8", "utf-16", "utf-32")


class NotAFeed(ValueError):
    """The document gave no items: not a feed, or too broken to read."""


@dataclass(frozen=True)
class FeedItem:
    url: str | None
    title: str | None
    summary: str | None
    categories: tuple[str, ...]
    date_text: str | None  # as the feed wrote it
    date_parsed: time.struct_time | None  # feedparser's reading of it (UTC)
    lang: str | None  # the item's own language, else the feed's (primary subtag)
    raw: bytes  # what a dead letter keeps: the item's fields as JSON


@dataclass(frozen=True)
class Feed:
    version: str  # feedparser's: rss090, rss091u, rss10, rss20, atom10, …
    items: list[FeedItem]
    malformed: str | None  # why feedparser flagged it (bozo), when it did


def plain(html: str | None) -> str | None:
    """Titles and summaries are often HTML: tags out, entities decoded, spaces (``&nbsp;``) folded."""
    if not html:
        return None
    return " ".join(unescape(TAGS.sub(" ", html)).split()) or None


def read_feed(body: bytes, url: str, content_type: str | None = None) -> Feed:
    """The items of a feed document fetched from ``url``. Raises :class:`NotAFeed`."""
    result = _parse(body, url, content_type)
    malformed = _bozo(result)
    encoding = str(result.get("encoding") or "").lower()
    if not encoding.startswith(UTF8) and not body.isascii() and _is_utf8(body):
        result = _parse(body, url, "application/xml; charset=utf-8")
        malformed = f"declared {encoding or 'no encoding'}, but the bytes are UTF-8" + (
            f"; {_bozo(result)}" if _bozo(result) else ""
        )
    entries = result.get("entries") or []
    if not entries and not result.get("version"):
        raise NotAFeed("not an RSS, RDF or Atom feed" + (f" ({malformed})" if malformed else ""))
    if not entries and isinstance(result.get("bozo_exception"), SAXException):
        raise NotAFeed(f"no items could be read: {malformed}")
    feed_lang = primary_language(result.get("feed", {}).get("language"))
    return Feed(
        version=str(result.get("version") or ""),
        items=[_item(entry, feed_lang) for entry in entries],
        malformed=malformed,
    )


def _parse(body: bytes, url: str, content_type: str | None) -> Any:
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    return feedparser.parse(io.BytesIO(body), response_headers=headers)


def _bozo(result: Any) -> str | None:
    if not result.get("bozo"):
        return None
    exc = result.get("bozo_exception")
    return f"{type(exc).__name__}: {exc}" if exc is not None else "malformed"


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _item(entry: Any, feed_lang: str | None) -> FeedItem:
    """One entry. The date is the publication date (``pubDate``, Atom ``published``), else the
    last update (``dc:date``, Atom ``updated``): feedparser files ``dc:date`` under ``updated``."""
    if entry.get("published"):
        date_text, date_parsed = entry.get("published"), entry.get("published_parsed")
    else:
        date_text, date_parsed = entry.get("updated"), entry.get("updated_parsed")
    content = entry.get("content") or []
    summary = entry.get("summary") or (content[0].get("value") if content else None)
    detail = entry.get("title_detail") or {}
    lang = primary_language(entry.get("language") or detail.get("language")) or feed_lang
    categories = tuple(tag.get("term") for tag in entry.get("tags") or [] if tag.get("term"))
    url = entry.get("link") or None
    fields = {"title": entry.get("title"), "link": url, "id": entry.get("id"), "date": date_text}
    return FeedItem(
        url=url,
        title=plain(entry.get("title")),
        summary=plain(summary),
        categories=categories,
        date_text=date_text,
        date_parsed=date_parsed,
        lang=lang,
        raw=json.dumps({k: v for k, v in fields.items() if v}, ensure_ascii=False).encode(),
    )
