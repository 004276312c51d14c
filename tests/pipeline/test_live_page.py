"""The live page (``/live/{event}``) in a real browser: headless Chromium (Debian's package, over
the DevTools protocol) renders it from a store filled through the pipeline (Tansu, chDB).

The figures it shows are the summary's, written as the PDF report writes them, in ar, fr and en
(Arabic right to left); the last 15 minutes against the 15 before are the engagements the
records sent there; the pollers' state is their last pass; the page fits a 1920×1080 screen
(the screenshot is that size and not blank); it redraws itself when new records are stored;
with read tokens the page asks its JSON with the token of its URL's fragment.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from harness import RunningPipeline, Served, module_pipeline, run
from harness.browser import HEIGHT, WIDTH, Chromium, png_colours, png_size
from pydantic import SecretStr
from reference import reference_summary

from services.reporter.app import create_app
from services.reporter.colours import colour
from services.reporter.pdf.words import Words
from shared.events import validate_object
from shared.passes import PollerPass
from shared.registry import Event, Registry

AT = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)  # the page's "now" (?at=)
EVENT = Event(
    slug="live-wall",
    names={"ar": "الملتقى المباشر", "fr": "Le forum en direct", "en": "The live forum"},
    timezone="Africa/Casablanca",  # UTC+1 on that day: AT is 13:00 there
)
OTHER = Event(slug="live-update", names={"en": "Updating forum"})
REGISTRY = Registry(events={EVENT.slug: EVENT, OTHER.slug: OTHER})
READ_TOKEN = "live-read-token"


def at(minutes: float) -> str:
    return (AT + timedelta(minutes=minutes)).isoformat()


def post(event: str, platform: str, post_id: str, created: float, text: str) -> dict:
    return {
        "type": "post",
        "event": event,
        "platform": platform,
        "post_id": post_id,
        "created_at": at(created),
        "url": f"https://{platform}.example/{post_id}",
        "text": text,
    }


def metrics(event: str, platform: str, post_id: str, observed: float, **counters: int) -> dict:
    return {
        "type": "metrics",
        "event": event,
        "platform": platform,
        "post_id": post_id,
        "observed_at": at(observed),
        **counters,
    }


def records(event: str) -> list[dict]:
    """314,000 views in all; on X, 40 likes 20 minutes before AT, then 80 more 5 minutes before."""
    return [
        post(event, "linkedin", "L1", -120, "Opening keynote: the digital nation"),
        metrics(
            event, "linkedin", "L1", -40, impressions=1_000_000, views=100_000, likes=50_000, comments=1_200
        ),
        post(event, "youtube", "Y1", -90, "الجلسة الافتتاحية"),
        metrics(event, "youtube", "Y1", -50, views=214_000, likes=9_000),
        post(event, "x", "X1", -25, "Live from the forum #LiveForum"),
        metrics(event, "x", "X1", -20, impressions=9_000, likes=40),
        metrics(event, "x", "X1", -5, impressions=12_000, likes=120),
        *(
            {
                "type": "mention",
                "event": event,
                "platform": "web",
                "url": f"https://news.example/{event}/{n}",
                "published_at": at(-60),
                "outlet": "Le Matin",
                "country": "MA",
            }
            for n in (1, 2, 3)
        ),
    ]


# The collection state is the pollers' now, whatever moment the page shows (passes are kept 90 days).
NOW = datetime.now(UTC).replace(microsecond=0)
PASS = PollerPass(
    event=EVENT.slug,
    connector="x",
    platform="x",
    started_at=NOW - timedelta(minutes=3),
    ended_at=NOW - timedelta(minutes=2),
    ok=False,
    state="rate-limited",
    until=NOW + timedelta(minutes=10),
    records=7,
    last_success=NOW - timedelta(minutes=4),
    interval_s=60,
)


@pytest.fixture(scope="module")
def pipeline(broker, chdb_dir) -> Iterator[RunningPipeline]:
    with module_pipeline(broker, chdb_dir, "livepage", REGISTRY) as running:
        running.post_all(records(EVENT.slug))
        from services.collector.pollers.sink import PublisherSink

        running.call(PublisherSink(running.local.publisher).report([PASS]))
        running.drain()
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    with Chromium() as chromium:
        yield chromium


def open_page(browser: Chromium, url: str) -> None:
    browser.goto(url)
    browser.wait("document.body && document.body.dataset.state === 'ready'", 60, f"{url} to render")


def shown(browser: Chromium, selector: str, attribute: str) -> dict[str, str]:
    """``{element's data-<attribute>: its text}`` of every element matching ``selector``."""
    return browser.evaluate(
        f"Object.fromEntries([...document.querySelectorAll('{selector}')]"
        f".map(e => [e.dataset['{attribute}'], e.textContent]))"
    )


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_the_page_shows_the_summarys_figures(pipeline, browser, lang):
    expected = reference_summary([validate_object(r) for r in records(EVENT.slug)], EVENT.slug)
    status, told = pipeline.get(f"{pipeline.reporter}/v1/events/{EVENT.slug}/summary")
    assert status == 200 and told["totals"] == expected["totals"]
    open_page(
        browser, f"{pipeline.reporter}/live/{EVENT.slug}?lang={lang}&at={AT.isoformat()}".replace("+", "%2B")
    )
    words = Words(lang)

    assert browser.evaluate("document.documentElement.lang") == lang
    assert browser.evaluate("document.documentElement.dir") == ("rtl" if lang == "ar" else "ltr")
    assert browser.evaluate("document.getElementById('title').textContent") == EVENT.names[lang]
    figures = shown(browser, "[data-figure]", "figure")
    assert figures == {
        "posts": words.number(told["totals"]["posts"]),
        "views": words.number(told["totals"]["views"]),
        "engagements": words.number(told["totals"]["engagements"]),
        "rate": words.percent(told["engagement_rate"]["by_impressions"]),
        "articles": words.number(told["mentions"]["articles"]),
    }
    # Full numbers, as the report writes them (Arabic with its own thousands separator, U+066C,
    # docs/decisions.md, "Arabic numbers use the Arabic separators"): never "314 K".
    assert figures["views"] == {"ar": "314\u066c000", "fr": "314\u202f000", "en": "314,000"}[lang]
    assert figures["posts"] == "3" and figures["articles"] == "3"

    # On X: 80 likes in the last 15 minutes, 40 in the 15 before.
    assert shown(browser, "[data-now]", "now") == {"engagements": "80", "posts": "0"}
    # The per-minute chart has one line per platform that moved in the last hour, in its colour:
    # the one the PDF and Grafana use (services/reporter/colours.py).
    lines = browser.evaluate(
        "[...document.querySelectorAll('polyline')].map(l => [l.dataset.platform, l.getAttribute('stroke')])"
    )
    assert sorted(lines) == [[p, colour(p)] for p in ("linkedin", "x", "youtube")]
    # Top posts, most engagements first, each with its full count.
    counts = browser.evaluate("[...document.querySelectorAll('[data-post]')].map(e => e.textContent)")
    assert counts == [words.number(51_200), words.number(9_000), words.number(120)]
    # The collection state is the last pass's.
    assert browser.evaluate("document.querySelector('[data-connector=x] [data-state]').dataset.state") == (
        "rate-limited"
    )
    pollers = browser.evaluate("document.querySelector('[data-connector=x]').textContent")
    assert (PASS.until or NOW).astimezone(EVENT.zone).strftime("%H:%M") in pollers
    assert browser.evaluate("document.getElementById('updated').textContent").strip()

    # One screen, no scrolling, and something drawn on it.
    assert browser.evaluate("document.documentElement.scrollHeight") <= HEIGHT
    assert browser.evaluate("document.documentElement.scrollWidth") <= WIDTH
    png = browser.screenshot()
    assert png_size(png) == (WIDTH, HEIGHT)
    assert png_colours(png) > 50


def test_the_page_redraws_itself_when_records_arrive(pipeline, browser):
    slug = OTHER.slug
    pipeline.post_all([post(slug, "x", "A", -10, "first"), metrics(slug, "x", "A", -9, likes=5)])
    open_page(browser, f"{pipeline.reporter}/live/{slug}?lang=en&every=1")
    assert shown(browser, "[data-figure]", "figure")["posts"] == "1"
    seen = int(browser.evaluate("document.body.dataset.refreshes"))

    pipeline.post_all([post(slug, "x", "B", -3, "second"), metrics(slug, "x", "B", -2, likes=1_500)])
    browser.wait(
        "document.querySelector('[data-figure=posts]').textContent === '2'", 60, "the page to show 2 posts"
    )
    assert int(browser.evaluate("document.body.dataset.refreshes")) > seen
    assert shown(browser, "[data-figure]", "figure")["engagements"] == "1,505"


def test_the_list_links_each_event(pipeline, browser):
    open_page(browser, f"{pipeline.reporter}/live/?lang=fr")
    links = browser.evaluate(
        "Object.fromEntries([...document.querySelectorAll('[data-event]')]"
        ".map(a => [a.dataset.event, [a.textContent, a.getAttribute('href')]]))"
    )
    assert links[EVENT.slug] == [EVENT.names["fr"], f"/live/{EVENT.slug}?lang=fr"]


@pytest.fixture(scope="module")
def guarded(pipeline) -> Iterator[Served]:
    """The same store behind a reporter that asks for a read token."""
    settings = pipeline.local.settings.model_copy(update={"reporter_tokens": [SecretStr(READ_TOKEN)]})
    with Served(create_app(settings, pipeline.store, REGISTRY)) as served:
        yield served


def test_with_read_tokens_the_page_sends_the_token_of_its_fragment(guarded, browser):
    page = f"{guarded.url}/live/{EVENT.slug}?lang=en&at={AT.isoformat()}".replace("+", "%2B")
    assert run(status_of(f"{guarded.url}/v1/events/{EVENT.slug}/live")) == 401
    assert run(status_of(page)) == 200  # the shell: words and code, no figure

    browser.goto(page)
    browser.wait(
        "document.body && document.body.dataset.state === 'error'", 60, "the page to give up without a token"
    )
    problem = browser.evaluate("document.getElementById('problem').textContent")
    assert "#token=" in problem
    assert browser.evaluate("document.querySelectorAll('[data-figure]').length") == 0

    open_page(browser, f"{page}#token={READ_TOKEN}")
    assert shown(browser, "[data-figure]", "figure")["views"] == "314,000"


async def status_of(url: str) -> int:
    import aiohttp

    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status


async def fetch(url: str, **headers: str) -> tuple[int, dict[str, str], str]:
    import aiohttp

    async with (
        aiohttp.ClientSession() as session,
        session.get(url, headers=headers, allow_redirects=False) as response,
    ):
        return response.status, dict(response.headers), await response.text()


def test_the_shell_names_its_assets_by_hash_and_they_are_cached(pipeline):
    status, headers, html = run(fetch(f"{pipeline.reporter}/live/{EVENT.slug}"))
    assert status == 200 and headers["Cache-Control"] == "no-cache"
    assert "314" not in html  # a shell: no figure in it
    for name in ("live.js", "live.css"):
        (version,) = re.findall(rf"/live/assets/{re.escape(name)}\?v=([0-9a-f]{{12}})", html)
        status, headers, body = run(fetch(f"{pipeline.reporter}/live/assets/{name}?v={version}"))
        assert status == 200 and "immutable" in headers["Cache-Control"]
        assert hashlib.sha256(body.encode()).hexdigest()[:12] == version
    assert "cdn" not in html.lower() and "https://" not in html
    assert run(fetch(f"{pipeline.reporter}/live/assets/other.js"))[0] == 404
    assert run(fetch(f"{pipeline.reporter}/live/Not_A_Slug"))[0] == 400
    assert run(fetch(f"{pipeline.reporter}/live"))[1]["Location"] == "/live/"


@pytest.mark.parametrize(
    ("query", "accept", "lang"),
    [
        ("?lang=ar", "fr-FR,fr;q=0.9", "ar"),  # ?lang= first
        ("", "de-DE,fr;q=0.8,en;q=0.5", "fr"),  # then the first language of the browser sada speaks
        ("", "de-DE", "ar"),  # then the first the registry names the event in
        ("?lang=xx", "", "ar"),  # an unknown ?lang= is not a language
    ],
)
def test_the_pages_language(pipeline, query, accept, lang):
    _, _, html = run(fetch(f"{pipeline.reporter}/live/{EVENT.slug}{query}", **{"Accept-Language": accept}))
    assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in html
