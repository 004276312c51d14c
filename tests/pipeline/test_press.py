"""The press poller end to end: RSS 2.0 and Atom feeds of outlets in French, English and Arabic,
with matching and non-matching items, a feed that fails and recovers, a restart (nothing sent
twice), through the real broker and chDB."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import timedelta
from email.utils import format_datetime

import aiohttp
import pytest
from aiohttp import web
from harness import RunningPipeline, Served, module_pipeline, wait_for
from harness.pollers import NOW, Recorder, app_of, dead_letters, one_pass, poller_settings, raw_count

from services.collector.app import create_app
from services.collector.pollers.press import PressPoller
from services.collector.pollers.service import attach_pollers
from services.reporter.summary import summary
from shared.events import normalise_url
from shared.registry import Event, Registry
from shared.settings import PressSettings

EVENT = Event(
    slug="press-2026",
    hashtags=["#Sada2026", "#المغرب_الرقمي"],
    keywords=["nation digitale", "sécurité numérique", "الأمة الرقمية"],
    start=NOW - timedelta(days=1),
    end=NOW + timedelta(days=2),
)


@pytest.fixture(scope="module")
def pipeline(broker, chdb_dir) -> Iterator[RunningPipeline]:
    with module_pipeline(broker, chdb_dir, "press") as running:
        yield running


def rss(items: list[dict], language: str | None = None) -> str:
    def item(spec: dict) -> str:
        parts = [f"<title>{spec['title']}</title>"]
        if spec.get("link"):
            parts.append(f"<link>{spec['link']}</link>")
        if spec.get("description"):
            parts.append(f"<description><![CDATA[{spec['description']}]]></description>")
        parts.append(f"<pubDate>{format_datetime(spec.get('at', NOW - timedelta(hours=2)))}</pubDate>")
        return "<item>" + "".join(parts) + "</item>"

    lang = f"<language>{language}</language>" if language else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>feed</title>{lang}'
        + "".join(item(spec) for spec in items)
        + "</channel></rss>"
    )


def atom(entries: list[dict]) -> str:
    def entry(spec: dict) -> str:
        lang = f' xml:lang="{spec["lang"]}"' if spec.get("lang") else ""
        category = f'<category term="{spec["category"]}"/>' if spec.get("category") else ""
        return (
            f'<entry{lang}><title>{spec["title"]}</title><link rel="alternate" href="{spec["link"]}"/>'
            f'<link rel="enclosure" href="{spec["link"]}/image.jpg"/><id>{spec["link"]}</id>'
            f"<published>{(NOW - timedelta(hours=1)).isoformat()}</published>"
            f"<summary>{spec.get('summary', '')}</summary>{category}</entry>"
        )

    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en-GB">'
        "<title>Tech Daily</title>" + "".join(entry(spec) for spec in entries) + "</feed>"
    )


class Outlets:
    """Four outlets' feeds; ``fr`` and ``broken`` change between passes, ``en`` answers 304 to its ETag."""

    def __init__(self):
        self.fr = [
            {
                "title": "AUSIM : la Nation Digitale en marche",
                "link": "https://LeMatin.ma/fr/1?utm_source=rss",
            },
            {"title": "Météo du jour", "link": "https://lematin.ma/fr/2"},
            {
                "title": "Forum",
                "description": "<p>Un débat sur la SECURITE NUMERIQUE</p>",
                "link": "https://lematin.ma/fr/3",
            },
            {
                "title": "Retour sur #Sada2026",
                "link": "https://lematin.ma/fr/4",
                "at": (NOW - timedelta(hours=5)).astimezone(),
            },
            {
                "title": "La nation digitale, édition 2024",
                "link": "https://lematin.ma/fr/5",
                "at": NOW - timedelta(days=60),
            },  # before the event's window
            {"title": "Nation digitale : sans lien"},  # matching, but no link: a dead letter
        ]
        self.en = [
            {"title": "Sada 2026 opens", "link": "https://techdaily.co.uk/a/1", "category": "Sada2026"},
            {"title": "Weather", "link": "https://techdaily.co.uk/a/2"},
            # the French outlet's article again, with tracking parameters: one mention
            {
                "title": "The digital nation (nation digitale)",
                "link": "https://lematin.ma/fr/1/?utm_campaign=x#top",
            },
            {"title": "La sécurité numérique au Maroc", "link": "https://techdaily.co.uk/a/4", "lang": "fr"},
        ]
        self.ar = [
            {"title": "انطلاق فعاليات #المغرب_الرقمي", "link": "https://hespress.com/ar/1"},
            {"title": "والأمة الرقمية في قلب النقاش", "link": "https://hespress.com/ar/2"},
            {"title": "أخبار الرياضة", "link": "https://hespress.com/ar/3"},
        ]
        self.broken = True
        self.not_modified = 0  # 304 answers of the Atom feed

    def app(self) -> web.Application:
        async def fr(_: web.Request) -> web.Response:
            return web.Response(text=rss(self.fr, "fr-FR"), content_type="application/rss+xml")

        async def en(request: web.Request) -> web.Response:
            if request.headers.get("If-None-Match") == '"en-1"':
                self.not_modified += 1
                return web.Response(status=304)
            return web.Response(
                text=atom(self.en), content_type="application/atom+xml", headers={"ETag": '"en-1"'}
            )

        async def ar(_: web.Request) -> web.Response:
            return web.Response(text=rss(self.ar), content_type="application/rss+xml")

        async def broken(_: web.Request) -> web.Response:
            if self.broken:
                return web.Response(status=500, text="<html>oops</html>")
            return web.Response(
                text=rss([{"title": "Le #SADA2026 vu de Paris", "link": "https://lemonde.fr/m/1"}]),
                content_type="application/rss+xml",
            )

        return app_of({"/fr.xml": fr, "/en.atom": en, "/ar.xml": ar, "/broken.xml": broken})


def outlets_file(tmp_path, url: str):
    path = tmp_path / "outlets.toml"
    path.write_text(
        f"""
[[outlets]]
feed = "{url}/fr.xml"
name = "Le Matin"
country = "ma"
lang = "fr"
audience = 50000

[[outlets]]
url = "{url}/en.atom"
outlet = "Tech Daily"
country = "GB"

[[outlets]]
feed = "{url}/ar.xml"
name = "هسبريس"
country = "MA"
language = "ar"

[[outlets]]
feed = "{url}/broken.xml"
name = "Le Monde"
country = "FR"
""",
        "utf-8",
    )
    return path


def test_press_feeds_in_three_languages_and_a_restart(pipeline, tmp_path):
    feeds = Outlets()
    served = Served(feeds.app())
    recorder = Recorder(pipeline)
    settings = poller_settings(
        pipeline, tmp_path / "state", press=PressSettings(outlets=outlets_file(tmp_path, served.url))
    )
    with served:
        first = one_pass(PressPoller, settings, EVENT, recorder).status()
        assert (
            first["errors"] == 1 and "Le Monde" in first["last_error"] and "HTTP 500" in first["last_error"]
        )
        titles = sorted(m.title for m in recorder.of("mention"))
        assert titles == sorted(
            [
                "AUSIM : la Nation Digitale en marche",
                "Forum",
                "Retour sur #Sada2026",
                "Sada 2026 opens",
                "La sécurité numérique au Maroc",
                "انطلاق فعاليات #المغرب_الرقمي",
                "والأمة الرقمية في قلب النقاش",
            ]
        )
        assert [(r.field, r.reason) for r in recorder.rejected] == [
            ("item.5.link", "a matching item without a link")
        ]

        # A restart: the French feed has one more article, the broken one works, the Atom feed
        # has not changed (304): only the two new articles are sent.
        feeds.fr.append({"title": "Clôture : la nation digitale", "link": "https://lematin.ma/fr/7"})
        feeds.broken = False
        sent = len(recorder.of("mention"))
        second = one_pass(PressPoller, settings, EVENT, recorder).status()
        assert second["errors"] == 0
        assert sorted(m.title for m in recorder.of("mention")[sent:]) == [
            "Clôture : la nation digitale",
            "Le #SADA2026 vu de Paris",
        ]
        assert len(served.paths("/en.atom")) == 2 and feeds.not_modified == 1
        # the linkless item is read again and refused again; the store keeps one dead letter
        assert [r.field for r in recorder.rejected] == ["item.5.link"] * 2

    pipeline.drain()
    mentions = pipeline.store.query(
        "SELECT url, outlet, toString(country) AS country, lang FROM mentions FINAL WHERE event = {e:String} "
        "ORDER BY url",
        {"e": EVENT.slug},
    )
    assert len(mentions) == raw_count(pipeline, "mentions", EVENT.slug) == 9
    by_url = {m["url"]: m for m in mentions}
    assert by_url[normalise_url("https://LeMatin.ma/fr/1?utm_source=rss")] == {
        "url": "https://lematin.ma/fr/1",
        "outlet": "Le Matin",
        "country": "MA",
        "lang": "fr",
    }
    assert (
        by_url["https://techdaily.co.uk/a/4"]["lang"] == "fr"
        and by_url["https://techdaily.co.uk/a/1"]["lang"] == "en"
    )
    assert {m["lang"] for m in mentions if m["outlet"] == "هسبريس"} == {"ar"}
    assert summary(pipeline.store, EVENT.slug)["mentions"] == {"articles": 9, "outlets": 4, "countries": 3}
    assert len(dead_letters(pipeline, EVENT.slug)) == 1  # read twice, one dead letter


def test_pollers_run_inside_the_collector(pipeline, tmp_path):
    """What `sada up` and `sada collector` do: the configured connectors run with the app and
    report at /v1/pollers and in the collector's /metrics."""
    feeds = Outlets()
    feeds.broken = False
    served = Served(feeds.app())
    event = EVENT.model_copy(update={"slug": "press-live"})
    settings = poller_settings(
        pipeline, tmp_path / "state", press=PressSettings(outlets=outlets_file(tmp_path, served.url))
    )
    app = create_app(settings, pipeline.local.publisher)
    collection = attach_pollers(app, settings, Registry(events={event.slug: event}), pipeline.local.publisher)
    collector = Served(app)

    async def get(path: str):
        async with aiohttp.ClientSession() as session, session.get(f"{collector.url}{path}") as response:
            return response.status, await response.text()

    with served, collector:
        wait_for(lambda: collection.pollers and collection.pollers[0].passes >= 1, 20, "a first pass")
        status, text = asyncio.run(get("/v1/pollers"))
        state = json.loads(text)
        assert status == 200 and state["connectors"] == ["press"] and state["events"] == ["press-live"]
        assert state["pollers"][0]["published"] == {"mention": 8}
        status, text = asyncio.run(get("/metrics"))
        assert status == 200
        assert 'sada_poller_records_total{connector="press",type="mention"} 8.0' in text
        assert "# TYPE sada_collector_kafka_up gauge" in text  # the collector's own, same registry
