"""The press poller end to end, through the real broker and chDB: RSS 2.0 and Atom feeds of
outlets in French, English and Arabic, with matching and non-matching items, a feed that fails and
recovers, a restart (nothing sent twice); and the feeds in the wild of tests/feeds/ (RSS 1.0/RDF,
RSS 0.91, entity-laden RSS 2.0, Atom, French and Arabic dates, a malformed one), each giving its
mentions with the feed's dates, its undated items dead-lettered."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

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


# --- feeds in the wild -----------------------------------------------------------------------------

FEEDS = Path(__file__).parents[1] / "feeds"
FORUM = Event(
    slug="forum-2024",
    hashtags=["#NationDigitale", "#الأمة_الرقمية"],
    keywords=["nation digitale", "digital nation", "الأمة الرقمية"],
    start=datetime.fromisoformat("2024-10-22T00:00:00+01:00"),
    end=datetime.fromisoformat("2024-10-24T23:59:00+01:00"),
    timezone="Africa/Casablanca",
)
# file → (outlet, content type, validator the server sends)
WILD = {
    "rdf.xml": ("Le Courrier du Sud", "application/rdf+xml", "etag"),
    "rss091.xml": ("Atlas Tech Wire", "text/xml", "last-modified"),
    "rss20-entities.xml": ("Le Quotidien", "application/rss+xml; charset=utf-8", "etag"),
    "atom.xml": ("Northern Tech", "application/atom+xml", "last-modified"),
    "fr.xml": ("La Tribune de Rabat", "application/rss+xml", "etag"),
    "ar.xml": ("صدى الأخبار", "application/rss+xml", "last-modified"),
    "malformed.xml": ("Gazette du Numérique", "application/rss+xml", "etag"),
}
MODIFIED = "Thu, 24 Oct 2024 18:00:00 GMT"


class WildFeeds:
    """The fixture feeds as a site serves them: each with an ETag or a Last-Modified, answering
    304 only to the validator it sent; ``/down.xml`` answers 200 with an HTML error page."""

    def __init__(self):
        self.not_modified: list[str] = []
        self.conditional: list[tuple[str, str | None, str | None]] = []

    def app(self) -> web.Application:
        def serve(name: str, content_type: str, validator: str):
            body = (FEEDS / name).read_bytes()
            etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'

            async def handler(request: web.Request) -> web.Response:
                asked_etag = request.headers.get("If-None-Match")
                asked_since = request.headers.get("If-Modified-Since")
                self.conditional.append((name, asked_etag, asked_since))
                if (validator == "etag" and asked_etag == etag) or (
                    validator == "last-modified" and asked_since == MODIFIED
                ):
                    self.not_modified.append(name)
                    return web.Response(status=304)
                headers = {"ETag": etag} if validator == "etag" else {"Last-Modified": MODIFIED}
                return web.Response(body=body, headers={"Content-Type": content_type, **headers})

            return handler

        async def down(_: web.Request) -> web.Response:
            return web.Response(text="<html><body><h1>Maintenance</h1>", content_type="text/html")

        routes = {f"/{name}": serve(name, *spec[1:]) for name, spec in WILD.items()}
        return app_of({**routes, "/down.xml": down})


def wild_outlets(tmp_path, url: str) -> Path:
    path = tmp_path / "wild.json"
    outlets = [{"feed": f"{url}/{name}", "name": spec[0], "country": "MA"} for name, spec in WILD.items()]
    outlets[4]["timezone"] = "Africa/Casablanca"  # fr.xml: said by the outlet, not left to the event
    outlets.append({"feed": f"{url}/down.xml", "name": "Down Daily", "country": "MA"})
    path.write_text(json.dumps(outlets, ensure_ascii=False), "utf-8")
    return path


def test_feeds_in_the_wild_give_their_mentions_with_the_feeds_dates(pipeline, tmp_path):
    feeds = WildFeeds()
    served = Served(feeds.app())
    recorder = Recorder(pipeline)
    settings = poller_settings(
        pipeline, tmp_path / "state", press=PressSettings(outlets=wild_outlets(tmp_path, served.url))
    )
    with served:
        first = one_pass(PressPoller, settings, FORUM, recorder).status()
        # the HTML page is a failure that names the outlet; the two malformed feeds are warnings
        assert first["errors"] == 1 and first["last_error"].startswith("feed: Down Daily (")
        assert "not an RSS, RDF or Atom feed" in first["last_error"]
        assert first["malformed_feeds"] == 2 and "Gazette du Numérique" in first["last_warning"]
        assert first["undated_items"] == 2 and first["dead_letters"] == 2
        assert sorted((r.field, r.reason) for r in recorder.rejected) == [
            (
                "item.1.published",
                "the item has no date (pubDate, dc:date, published or updated); it is not dated at the read",
            ),
            (
                "item.2.published",
                "the date 'il y a 2 heures' cannot be read (languages tried: fr, ar, en); set the outlet's "
                "lang in the outlets file if the site writes dates in another language",
            ),
        ]

        # unchanged feeds: every one answers 304 to the validator it gave, nothing is sent again
        sent = len(recorder.records)
        second = one_pass(PressPoller, settings, FORUM, recorder).status()
        assert sorted(feeds.not_modified) == sorted(WILD) and len(recorder.records) == sent
        assert second["malformed_feeds"] == 0 and second["undated_items"] == 0
        asked = {name: (etag, since) for name, etag, since in feeds.conditional[-len(WILD) - 1 :]}
        assert asked["rss091.xml"] == (None, MODIFIED) and asked["rdf.xml"][0] is not None

    pipeline.drain()
    stored = pipeline.store.query(
        "SELECT url, outlet, lang, title, formatDateTime(published_at, '%Y-%m-%dT%H:%i:%SZ') AS at "
        "FROM mentions FINAL WHERE event = {e:String} ORDER BY url",
        {"e": FORUM.slug},
    )
    assert raw_count(pipeline, "mentions", FORUM.slug) == len(stored)
    # each instant written by hand from the feed's text (Casablanca is UTC+01:00 in October 2024)
    assert {m["url"]: m["at"] for m in stored} == {
        "https://courrier-sud.example/eco/nation-digitale": "2024-10-22T08:30:00Z",  # dc:date +01:00
        normalise_url(f"{served.url}/eco/agenda"): "2024-10-23T17:00:00Z",  # relative link, zoneless: event
        "https://atlas-wire.example/2024/10/day-two": "2024-10-23T16:45:00Z",  # RSS 0.91 dc:date
        "https://quotidien.example/a/securite": "2024-10-22T17:15:00Z",  # &nbsp; title, +0200
        "https://quotidien.example/a/interview": "2024-10-23T05:00:00Z",  # CDATA title, guid, CEST
        "https://northern-tech.example/news/2024/forum-closes": "2024-10-24T14:20:00Z",  # xml:base
        "https://northern-tech.example/fr/bilan": "2024-10-25T08:00:00Z",  # Atom updated only
        "https://tribune-rabat.example/2024/coup-envoi": "2024-10-22T08:00:00Z",  # "mar., 22 oct. 2024"
        "https://tribune-rabat.example/2024/table-ronde": "2024-10-23T13:30:00Z",  # "à 14h30", outlet zone
        "https://sada-akhbar.example/news/1": "2024-10-22T10:00:00Z",  # "الثلاثاء 22 أكتوبر 2024 - 11:00"
        "https://sada-akhbar.example/news/2": "2024-10-23T15:30:00Z",  # Arabic-Indic digits
        "https://gazette-num.example/annonces": "2024-10-23T10:00:00Z",  # malformed feed, still read
        "https://gazette-num.example/apres": "2024-10-24T08:00:00Z",
    }
    by_url = {m["url"]: m for m in stored}
    assert by_url["https://quotidien.example/a/securite"]["title"] == (
        "Sécurité numérique : la nation digitale s’organise"
    )
    assert (
        by_url["https://gazette-num.example/annonces"]["title"] == "Sécurité & nation digitale : les annonces"
    )
    assert (
        by_url["https://sada-akhbar.example/news/2"]["lang"],
        by_url["https://northern-tech.example/fr/bilan"]["lang"],
    ) == ("ar", "fr")
    reasons = sorted(d["reason"] for d in dead_letters(pipeline, FORUM.slug))
    assert len(reasons) == 2 and "'il y a 2 heures'" in reasons[0] and "has no date" in reasons[1]
