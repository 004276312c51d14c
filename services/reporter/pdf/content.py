"""Everything a campaign report shows, read from the store into plain data.

:func:`gather` runs the queries; the result holds figures, not words, so one
gathering serves every language (and could serve an HTML version). Nothing
here is language-specific except that agenda sessions keep all their titles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from services.reporter.analytics import breakdown, mention_breakdown, post_media, top_posts
from services.reporter.figures import Figures, breakdown_rows, data_window, event_figures
from services.reporter.provenance import Source, event_sources
from services.reporter.series import series
from services.reporter.sql import QUERIES
from shared.registry import Event, Session
from shared.sqlfiles import sql
from shared.store import Store

TOP_POSTS = 10
TOP_SESSIONS = 5
TOP_HASHTAGS = 10


@dataclass(frozen=True)
class PlatformFigures:
    platform: str
    figures: Figures | None  # None: the registry tracks the platform, but nothing came from it


@dataclass(frozen=True)
class Day:
    date: date
    number: int | None  # 1 = the event's first day; None when the registry gives no start
    in_event: bool
    posts: int
    views: int
    engagements: int
    engagements_by_platform: dict[str, int]


@dataclass(frozen=True)
class SessionFigures:
    session: Session
    figures: Figures


@dataclass(frozen=True)
class TopPost:
    platform: str
    post_id: str
    url: str | None
    text: str | None
    account: str | None
    lang: str | None
    created_at: datetime | None  # None: known only from metrics or interactions
    engagements: int
    views: int
    impressions: int
    rates: dict[str, float | None]  # the post's own rates; None where its denominator is 0
    picture: bytes | None = None  # JPEG of its media_url, when known and fetchable (images.py)


@dataclass(frozen=True)
class Hashtag:
    display: str
    posts: int
    engagements: int


@dataclass(frozen=True)
class Press:
    articles: int
    outlets: int
    countries: int
    by_country: list[tuple[str, int]]  # (ISO code or "" when not given, articles), most first
    by_outlet: list[tuple[str, int]]
    by_day: list[tuple[date, int]]


@dataclass(frozen=True)
class Comparison:
    previous: Event
    has_data: bool
    before: Figures
    before_press: int


@dataclass(frozen=True)
class ReportContent:
    event: Event
    generated_at: datetime
    window: tuple[datetime, datetime] | None  # first and last record, UTC; None = no data at all
    figures: Figures
    platforms: list[
        PlatformFigures
    ]  # platforms with data (most engagements first), then tracked ones without
    best_rate: tuple[str, float] | None  # the platform with the highest rate by impressions
    days: list[Day]
    sessions: list[SessionFigures]
    top_posts: list[TopPost]
    hashtags: list[Hashtag]
    press: Press
    comparison: Comparison | None
    rejected: int
    # the sources that fed the records, by kind and name (the API's /sources: services/reporter/provenance)
    record_sources: list[Source] = field(default_factory=list)

    @property
    def has_data(self) -> bool:
        return self.window is not None

    @property
    def sources(self) -> list[str]:
        """Platforms that sent posts, metrics or interactions."""
        return [p.platform for p in self.platforms if p.figures is not None]

    @property
    def missing_platforms(self) -> list[str]:
        return [p.platform for p in self.platforms if p.figures is None]


def _days(store: Store, event: Event) -> list[Day]:
    by_day: dict[date, dict[str, Any]] = {}
    for row in series(store, event.slug, "day", event.zone, rates=False):
        day = datetime.fromisoformat(row["bucket"]).date()
        figures = by_day.setdefault(day, {"posts": 0, "views": 0, "engagements": 0, "platforms": {}})
        for name in ("posts", "views", "engagements"):
            figures[name] += row[name]
        platforms = figures["platforms"]
        platforms[row["platform"]] = platforms.get(row["platform"], 0) + row["engagements"]
    first = event.start.astimezone(event.zone).date() if event.start else None
    last = event.end.astimezone(event.zone).date() if event.end else None
    return [
        Day(
            date=day,
            number=(day - first).days + 1 if first else None,
            in_event=bool(first and last and first <= day <= last),
            posts=f["posts"],
            views=f["views"],
            engagements=f["engagements"],
            engagements_by_platform=f["platforms"],
        )
        for day, f in sorted(by_day.items())
    ]


def _press(store: Store, event: Event) -> Press:
    totals = store.query(sql(QUERIES, "mentions"), {"event": event.slug})[0]
    by_day = [
        (date.fromisoformat(row["day"]), int(row["articles"]))
        for row in store.query(sql(QUERIES, "press_days"), {"event": event.slug, "tz": event.timezone})
    ]
    return Press(
        articles=int(totals["articles"]),
        outlets=int(totals["outlets"]),
        countries=int(totals["countries"]),
        by_country=[(r["key"], r["articles"]) for r in mention_breakdown(store, event.slug, "country", 1000)],
        by_outlet=[(r["key"], r["articles"]) for r in mention_breakdown(store, event.slug, "outlet", 1000)],
        by_day=by_day,
    )


def _comparison(store: Store, previous: Event) -> Comparison:
    has_data = data_window(store, previous.slug) is not None
    before = event_figures(store, previous.slug).total
    before_press = int(store.query(sql(QUERIES, "mentions"), {"event": previous.slug})[0]["articles"])
    return Comparison(previous=previous, has_data=has_data, before=before, before_press=before_press)


def _posts(store: Store, event: Event, pictures: Path | None) -> list[TopPost]:
    """The top posts, each with its picture when ``pictures`` (the cache folder) is given and its
    media URL can be had (``images.py``)."""
    found = top_posts(store, event.slug, "engagements", TOP_POSTS)
    media = post_media(store, event.slug, [(p["platform"], p["post_id"]) for p in found])
    fetched: dict[str, bytes] = {}
    if pictures is not None and media:
        from services.reporter.pdf.images import fetch_pictures

        fetched = fetch_pictures(pictures, list(media.values()))
    return [
        TopPost(
            platform=p["platform"],
            post_id=p["post_id"],
            url=p["url"],
            text=p["text"],
            account=p["account"],
            lang=p["lang"],
            created_at=datetime.fromisoformat(p["created_at"]) if p["created_at"] else None,
            engagements=p["engagements"],
            views=p["views"],
            impressions=p["impressions"],
            rates=dict(p["engagement_rate"]),
            picture=fetched.get(media.get((p["platform"], p["post_id"]), "")),
        )
        for p in found
    ]


def gather(
    store: Store,
    event: Event,
    previous: Event | None = None,
    now: datetime | None = None,
    pictures: Path | None = None,
) -> ReportContent:
    """Read every figure of the report of ``event`` (and of ``previous``, to compare); with
    ``pictures`` (a cache folder), fetch the top posts' pictures into it."""
    window = data_window(store, event.slug)
    figures = event_figures(store, event.slug)
    with_data = [PlatformFigures(name, found) for name, found in figures.platforms.items()]
    seen = {p.platform for p in with_data}
    platforms = with_data + [PlatformFigures(name, None) for name in event.accounts if name not in seen]
    rated = [
        (name, rate)
        for name, found in figures.platforms.items()
        if (rate := found.rates["by_impressions"]) is not None
    ]
    best = max(rated, key=lambda pair: pair[1]) if rated else None
    sessions = []
    if event.agenda:
        by_id = {s.id: s for s in event.agenda}
        sessions = [
            SessionFigures(by_id[row["key"]], Figures.of_row(row))
            for row in breakdown_rows(store, event, "session", TOP_SESSIONS)
        ]
    posts = _posts(store, event, pictures)
    hashtags = [
        Hashtag(row["display"], row["totals"]["posts"], row["totals"]["engagements"])
        for row in breakdown(store, event, "hashtag", limit=TOP_HASHTAGS)
    ]
    press = _press(store, event)
    comparison = _comparison(store, previous) if previous is not None else None
    rejected = int(store.query(sql(QUERIES, "rejected"), {"event": event.slug})[0]["rejected"])
    return ReportContent(
        event=event,
        generated_at=now or datetime.now(UTC),
        window=window,
        figures=figures.total,
        platforms=platforms,
        best_rate=best,
        days=_days(store, event),
        sessions=sessions,
        top_posts=posts,
        hashtags=hashtags,
        press=press,
        comparison=comparison,
        rejected=rejected,
        record_sources=event_sources(store, event.slug),
    )
