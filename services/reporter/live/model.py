"""What the live page shows, in one JSON answer (``GET /v1/events/{event}/live``).

The page refreshes itself every few seconds, so it asks one compact answer rather than six. Each
part comes from the function the rest of the reporter already answers with — the headline
counters and top posts from :func:`~services.reporter.summary.summary` (the read model,
``figures.py``), the last 15 minutes against the 15 before and the spikes from
:func:`~services.reporter.analytics.trends`, the minutes from
:func:`~services.reporter.series.series` — so a figure on the page is the figure of the summary
and of the PDF. Only the collection state has a query of its own (``sql/live_pollers.sql``): the
pollers' pass records (``poller_passes``) are not figures.

Numbers come formatted here, by the PDF report's :class:`~services.reporter.pdf.words.Words`
(314,000 in en and ar, 314 000 in fr): the page writes the figures as the report does, with
one formatter. Every time is also given in the event's zone (``hh:mm``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web

from services.reporter import analytics, params
from services.reporter.colours import colour
from services.reporter.figures import rfc3339
from services.reporter.labels import t
from services.reporter.pdf.words import Words
from services.reporter.series import series
from services.reporter.sql import QUERIES
from services.reporter.summary import summary
from shared.registry import LANGS, Event
from shared.sqlfiles import sql

if TYPE_CHECKING:
    from services.reporter.app import Reporter

WINDOW = timedelta(minutes=15)  # "the last 15 minutes", against the 15 before
CHART = timedelta(minutes=60)  # the per-minute chart's span
SPIKE_BASELINE = timedelta(hours=3)  # as the trends route's default and the Grafana spike rule
TOP = 5
HEADLINE = ("posts", "views", "engagements")
RATE = "by_impressions"  # the report's headline rate (DESIGN §4)


def hhmm(moment: datetime, event: Event) -> str:
    return moment.astimezone(event.zone).strftime("%H:%M")


def live_figures(r: Reporter, request: web.Request, event: Event) -> dict[str, Any]:
    """The page's answer as of ``?at=`` (default: now), its words in ``?lang=``."""
    lang = params.choice(request, "lang", "en", LANGS)
    at = (params.moment(request, "at") or datetime.now(UTC)).astimezone(UTC).replace(second=0, microsecond=0)
    words = Words(lang)
    told = summary(r.store, event.slug, TOP)
    covered = [p for p, figures in told["platforms"].items() if figures["engagement_rate"][RATE] is not None]
    return {
        "event": event.slug,
        "name": event.name(lang),
        "timezone": event.timezone,
        "lang": lang,
        "at": rfc3339(at),
        "updated": hhmm(datetime.now(UTC), event),
        "headline": _headline(told, covered, words),
        "window": _window(r, event, at, words),
        "minutes": _minutes(r, event, at, lang),
        "top_posts": [_post(post, words) for post in told["top_posts"]],
        "spikes": _spikes(r, event, at, words),
        "pollers": _pollers(r, event, datetime.now(UTC), lang),
    }


def _platform(name: str, lang: str) -> dict[str, str]:
    return {
        "platform": name,
        "label": t(f"platform.{name}", lang),
        "colour": colour(name),
    }


def _headline(told: dict[str, Any], covered: list[str], words: Words) -> list[dict[str, Any]]:
    """Posts, views, engagements, the rate by impressions (with the platforms it covers) and
    press articles, as the summary gives them."""
    cards: list[dict[str, Any]] = [
        {
            "key": key,
            "label": words(key),
            "value": told["totals"][key],
            "text": words.number(told["totals"][key]),
        }
        for key in HEADLINE
    ]
    rate = told["engagement_rate"][RATE]
    cards.append(
        {
            "key": "rate",
            "label": f"{words('rate')} {words('qualifier.' + RATE)}",
            "value": rate,
            "text": words.percent(rate),
            "note": words("page.list_separator").join(t(f"platform.{p}", words.lang) for p in covered),
        }
    )
    articles = told["mentions"]["articles"]
    cards.append(
        {
            "key": "articles",
            "label": words("articles_label"),
            "value": articles,
            "text": words.number(articles),
        }
    )
    return cards


def _window(r: Reporter, event: Event, at: datetime, words: Words) -> dict[str, Any]:
    """Engagements and new posts in [at − 15 min, at) against [at − 30 min, at − 15 min)."""
    seconds = int(WINDOW.total_seconds())
    rows = analytics.trends(r.store, event.slug, at, seconds, seconds, min_count=0)["trends"]
    whole = {row["metric"]: row for row in rows if row["platform"] is None}
    metrics = []
    for metric in ("engagements", "posts"):
        row = whole.get(metric, {"latest": 0, "baseline": 0})
        latest, before = row["latest"], row["baseline"]
        change = (latest - before) / before if before else None
        metrics.append(
            {
                "metric": metric,
                "label": words(metric),
                "latest": latest,
                "before": before,
                "latest_text": words.number(latest),
                "before_text": words.number(before),
                "change_text": words.percent(change, 0, signed=True) if change is not None else "",
            }
        )
    return {
        "from": hhmm(at - WINDOW, event),
        "to": hhmm(at, event),
        "before_from": hhmm(at - 2 * WINDOW, event),
        "metrics": metrics,
    }


def _minutes(r: Reporter, event: Event, at: datetime, lang: str) -> dict[str, Any]:
    """Engagements per minute and platform over the last hour; every minute present (0 when
    nothing moved), so the chart's lines are continuous."""
    rows = series(r.store, event.slug, "minute", event.zone, None, (at - CHART, at), rates=False)
    slots = [at - CHART + timedelta(minutes=i) for i in range(int(CHART.total_seconds() // 60))]
    index = {rfc3339(slot): i for i, slot in enumerate(slots)}
    lines: dict[str, list[int]] = {}
    for row in rows:
        slot = rfc3339(datetime.fromisoformat(row["bucket"]).astimezone(UTC))
        if slot in index:
            lines.setdefault(row["platform"], [0] * len(slots))[index[slot]] += row["engagements"]
    return {
        "labels": [hhmm(slot, event) for slot in slots],
        "platforms": [{**_platform(name, lang), "values": lines[name]} for name in sorted(lines)],
    }


def _post(post: dict[str, Any], words: Words) -> dict[str, Any]:
    return {
        **_platform(post["platform"], words.lang),
        "url": post["url"],
        "text": post["text"],
        "engagements": post["engagements"],
        "engagements_text": words.number(post["engagements"]),
    }


def _spikes(r: Reporter, event: Event, at: datetime, words: Words) -> list[dict[str, Any]]:
    """What the trends route flags now: platforms and hashtags moving ≥ 3× their last 3 hours."""
    found = analytics.trends(
        r.store, event.slug, at, int(WINDOW.total_seconds()), int(SPIKE_BASELINE.total_seconds())
    )
    spikes = []
    for row in found["trends"]:
        if row["spike"]:
            who = (
                t(f"platform.{row['platform']}", words.lang)
                if row["platform"]
                else words("page.all_platforms")
            )
            spikes.append(
                {
                    "what": f"{who} · {words(row['metric'])}",
                    "latest_text": words.number(row["latest"]),
                    "ratio_text": _ratio(row["ratio"], words),
                }
            )
    for row in found["hashtags"]:
        if row["spike"]:
            spikes.append(
                {
                    "what": f"#{row['key']}",
                    "latest_text": words.number(row["latest_posts"]),
                    "ratio_text": _ratio(row["ratio"], words),
                }
            )
    return spikes


def _ratio(ratio: float | None, words: Words) -> str:
    return words("page.new") if ratio is None else f"×{words.decimal(ratio, 1)}"


def _pollers(r: Reporter, event: Event, now: datetime, lang: str) -> list[dict[str, Any]]:
    """The collectors' state now, whatever moment ``?at=`` shows: it is about the pipeline, not
    the event's figures (and ``poller_passes`` keeps 90 days)."""
    rows = r.store.query(sql(QUERIES, "live_pollers"), {"event": event.slug, "at": now})
    answer = []
    for row in rows:
        detail = [part for part in (row["why"], row["remedy"]) if part]
        if row["until"] is not None:
            detail.insert(0, t("page.until", lang, time=hhmm(row["until"].replace(tzinfo=UTC), event)))
        last = row["last_success"]
        answer.append(
            {
                "connector": row["connector"],
                "label": t(f"platform.{row['platform']}", lang) if row["platform"] else row["connector"],
                "state": row["state"],
                "state_text": t(f"page.state.{row['state']}", lang),
                "detail": " · ".join(detail),
                "last_success": hhmm(last.replace(tzinfo=UTC), event) if last is not None else "",
                "records_last_hour": int(row["records_last_hour"]),
            }
        )
    return answer
