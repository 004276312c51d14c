"""The press poller's parts alone: the outlets file, feeds in the wild (tests/feeds/, written for
these tests) read with feedparser, and dates in French and Arabic.

Expected instants are written by hand from each fixture's date text (Africa/Casablanca is
UTC+01:00 in October 2024)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from feedparser.datetimes import _parse_date as feedparser_date
from hypothesis import given, settings
from hypothesis import strategies as st

from services.collector.pollers.dates import Undated, languages, read_date
from services.collector.pollers.feeds import Feed, NotAFeed, read_feed
from services.collector.pollers.press import OutletsError, load_outlets

FEEDS = Path(__file__).parents[1] / "feeds"
CASABLANCA = ZoneInfo("Africa/Casablanca")
BASE = "https://feeds.example/press/"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def fixture(name: str, content_type: str = "application/rss+xml") -> Feed:
    return read_feed((FEEDS / name).read_bytes(), BASE + name, content_type)


def dates(feed: Feed, zone=CASABLANCA) -> list[datetime | str]:
    """Each item's instant in UTC, or the reason it has none."""
    found: list[datetime | str] = []
    for item in feed.items:
        try:
            found.append(
                read_date(item.date_text, item.date_parsed, languages(item.lang), zone).astimezone(UTC)
            )
        except Undated as exc:
            found.append(str(exc))
    return found


# --- the outlets file ------------------------------------------------------------------------------


def test_outlets_file_json_and_errors(tmp_path):
    path = tmp_path / "outlets.json"
    path.write_text(
        json.dumps(
            {
                "outlets": [
                    {
                        "feed_url": "https://a.ma/rss",
                        "outlet": "A",
                        "country": "MA",
                        "tz": "Africa/Casablanca",
                    }
                ]
            }
        )
    )
    [outlet] = load_outlets(path)
    assert (outlet.feed, outlet.name, outlet.country, outlet.timezone) == (
        "https://a.ma/rss",
        "A",
        "MA",
        "Africa/Casablanca",
    )
    path.write_text(json.dumps([{"feed": "https://a.ma/rss", "name": "A", "country": "Morocco"}]))
    with pytest.raises(OutletsError, match=r"outlets\[0\]\.country"):
        load_outlets(path)
    path.write_text(json.dumps([{"feed": "https://a.ma/rss", "name": "A", "timezone": "Morocco/Rabat"}]))
    with pytest.raises(
        OutletsError, match=r"outlets\[0\]\.timezone: .*unknown IANA time zone 'Morocco/Rabat'"
    ):
        load_outlets(path)


# --- feeds in the wild -----------------------------------------------------------------------------


def test_rss_1_0_rdf_with_a_relative_link_and_a_zoneless_dc_date():
    feed = fixture("rdf.xml", "application/rdf+xml")
    assert feed.version == "rss10" and feed.malformed is None
    assert [(i.url, i.lang) for i in feed.items] == [
        ("https://courrier-sud.example/eco/nation-digitale", "fr"),
        ("https://courrier-sud.example/culture/festival", "fr"),
        ("https://feeds.example/eco/agenda", "fr"),  # "/eco/agenda" against the feed's URL
    ]
    assert dates(feed) == [
        utc("2024-10-22T08:30:00Z"),
        utc("2024-10-22T11:00:00Z"),
        utc("2024-10-23T17:00:00Z"),
    ]
    # the zoneless dc:date is in the zone given, not UTC
    assert dates(feed, ZoneInfo("Asia/Dubai"))[2] == utc("2024-10-23T14:00:00Z")


def test_rss_0_91_items_with_and_without_dates():
    feed = fixture("rss091.xml")
    assert feed.version == "rss091u" and [i.lang for i in feed.items] == ["en"] * 3
    found = dates(feed)
    assert found[0] == utc("2024-10-23T16:45:00Z") and found[2] == utc("2024-10-23T17:00:00Z")
    assert found[1] == (
        "the item has no date (pubDate, dc:date, published or updated); it is not dated at the read"
    )


def test_rss_2_0_with_html_entities_cdata_and_a_permalink_guid():
    feed = fixture("rss20-entities.xml")
    assert feed.version == "rss20" and "undefined entity" in (feed.malformed or "")
    assert [(i.url, i.title) for i in feed.items] == [
        ("https://quotidien.example/a/securite", "Sécurité numérique : la nation digitale s’organise"),
        ("https://quotidien.example/a/interview", "Interview : « la Nation Digitale & nous »"),
        ("https://quotidien.example/a/meteo", "Météo"),
    ]
    assert feed.items[0].summary == "Un débat animé"
    # CEST is +02:00; feedparser alone would have read it as UTC, two hours late
    assert dates(feed) == [
        utc("2024-10-22T17:15:00Z"),
        utc("2024-10-23T05:00:00Z"),
        utc("2024-10-23T04:00:00Z"),
    ]
    cest = feed.items[1]
    assert cest.date_parsed is not None and datetime(*cest.date_parsed[:6], tzinfo=UTC) == utc(
        "2024-10-23T07:00:00Z"
    )


def test_atom_with_xml_base_languages_and_updated_only():
    feed = fixture("atom.xml", "application/atom+xml")
    assert feed.version == "atom10"
    assert [(i.url, i.lang, i.categories) for i in feed.items] == [
        ("https://northern-tech.example/news/2024/forum-closes", "en", ("NationDigitale",)),
        ("https://northern-tech.example/fr/bilan", "fr", ()),
        ("https://northern-tech.example/news/2024/football", "en", ()),
    ]
    assert feed.items[0].summary == "The last day of talks."
    # published when given (not updated), else updated
    assert dates(feed) == [
        utc("2024-10-24T14:20:00Z"),
        utc("2024-10-25T08:00:00Z"),
        utc("2024-10-24T20:00:00Z"),
    ]


def test_a_french_site_with_french_dates():
    found = dates(fixture("fr.xml"))
    assert found[:2] == [utc("2024-10-22T08:00:00Z"), utc("2024-10-23T13:30:00Z")]  # 14h30 in Casablanca
    assert found[2] == (
        "the date 'il y a 2 heures' cannot be read (languages tried: fr, ar, en); set the outlet's lang "
        "in the outlets file if the site writes dates in another language"
    )
    assert "n'importe quand" in str(found[3])


def test_an_arabic_site_with_arabic_dates_and_arabic_indic_digits():
    feed = fixture("ar.xml")
    assert [i.lang for i in feed.items] == ["ar"] * 3
    assert dates(feed) == [
        utc("2024-10-22T10:00:00Z"),
        utc("2024-10-23T15:30:00Z"),
        utc("2024-10-23T11:00:00Z"),
    ]


def test_a_malformed_feed_that_still_yields_items_is_used_and_says_why():
    feed = fixture("malformed.xml")  # declared UTF-8, written in Windows-1252, cut off
    assert feed.malformed and "not well-formed" in feed.malformed
    assert [i.title for i in feed.items[:2]] == [
        "Sécurité & nation digitale : les annonces",
        "Nation digitale : et après ?",
    ]
    assert dates(feed)[:2] == [utc("2024-10-23T10:00:00Z"), utc("2024-10-24T08:00:00Z")]


def test_utf8_bytes_declared_latin_1_are_read_as_utf8():
    body = (
        "<?xml version='1.0' encoding='iso-8859-1'?><rss version='2.0'><channel><item>"
        "<title>Sécurité numérique</title><link>https://a.fr/9</link></item></channel></rss>"
    ).encode()
    for content_type in ("text/xml", "application/rss+xml"):
        feed = read_feed(body, BASE, content_type)
        assert feed.items[0].title == "Sécurité numérique"
        assert feed.malformed and feed.malformed.startswith("declared iso-8859-1, but the bytes are UTF-8")
    latin = body.decode().encode("latin-1")  # honest Latin-1: no warning
    assert read_feed(latin, BASE, "application/rss+xml").items[0].title == "Sécurité numérique"
    assert read_feed(latin, BASE, "application/rss+xml").malformed is None


def test_what_is_not_a_feed_and_an_empty_feed():
    with pytest.raises(NotAFeed, match=r"^not an RSS, RDF or Atom feed \(SAXParseException"):
        read_feed(b"<html><body>Service unavailable", BASE, "text/html")
    with pytest.raises(NotAFeed, match=r"^not an RSS, RDF or Atom feed$"):
        read_feed(b"<?xml version='1.0'?><opml version='2.0'><head/></opml>", BASE, "text/xml")
    with pytest.raises(NotAFeed, match="^no items could be read: SAXParseException"):
        read_feed(
            b"<?xml version='1.0'?><rss version='2.0'><channel><title>x</ti", BASE, "application/rss+xml"
        )
    empty = read_feed(
        b"<?xml version='1.0'?><rss version='2.0'><channel><title>x</title></channel></rss>",
        BASE,
        "application/rss+xml",
    )
    assert empty.items == [] and empty.malformed is None


def test_feedparser_reads_the_bytes_it_is_given_and_never_a_path_or_url():
    """The body of an answer that happens to be a file's path (or a URL) is a document, not a
    place for feedparser to read from."""
    with pytest.raises(NotAFeed, match="not an RSS, RDF or Atom feed"):
        read_feed(str(FEEDS / "rdf.xml").encode(), BASE, "text/plain")


# --- dates -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mer., 23 oct. 2024 10:00:00 +0200", "2024-10-23T08:00:00Z"),
        ("mercredi 23 octobre 2024 à 10h00", "2024-10-23T09:00:00Z"),
        ("23/10/2024 10:00", "2024-10-23T09:00:00Z"),
        ("الأربعاء 23 أكتوبر 2024 - 10:00", "2024-10-23T09:00:00Z"),
        ("الأربعاء ٢٣ أكتوبر ٢٠٢٤ - ١٠:٠٠", "2024-10-23T09:00:00Z"),
        ("الجمعة 3 ماي 2024 - 10:00", "2024-05-03T09:00:00Z"),  # Moroccan month names
        ("الخميس 12 شتنبر 2024 10:00", "2024-09-12T09:00:00Z"),
        ("الإثنين 16 دجنبر 2024 10:00", "2024-12-16T09:00:00Z"),  # Casablanca is +01:00 in December too
        ("الأربعاء 23 تشرين الأول 2024 10:00", "2024-10-23T09:00:00Z"),  # Levantine
        ("Wed, 23 Oct 2024 10:00:00 GMT", "2024-10-23T10:00:00Z"),
        ("Wed, 23 Oct 2024 10:00:00 -0400", "2024-10-23T14:00:00Z"),
        ("Wed, 23 Oct 2024 10:00:00 CEST", "2024-10-23T08:00:00Z"),
        ("Wed, 23 Oct 2024 10:00:00", "2024-10-23T09:00:00Z"),  # zoneless: the zone given
        ("2024-10-23T10:00:00Z", "2024-10-23T10:00:00Z"),
        ("2024-10-23", "2024-10-22T23:00:00Z"),  # midnight where the outlet is
    ],
)
def test_dates_in_french_arabic_and_english(text, expected):
    assert read_date(text, None, languages(None), CASABLANCA) == utc(expected)


@pytest.mark.parametrize(
    "text", ["hier", "il y a 2 heures", "منذ ساعتين", "10:00", "octobre 2024", "bientôt"]
)
def test_relative_or_partial_dates_are_not_completed_from_the_clock(text):
    with pytest.raises(Undated, match="cannot be read"):
        read_date(text, None, languages("fr"), CASABLANCA)


def test_feedparser_s_reading_is_the_last_resort():
    greek = "Κυρ, 11 Ιούλ 2004 12:00:00 EST"  # a format feedparser knows and dateparser (fr/ar/en) not
    assert read_date(greek, feedparser_date(greek), ["fr", "ar", "en"], CASABLANCA) == utc(
        "2004-07-11T17:00:00Z"
    )
    with pytest.raises(Undated, match="Κυρ"):
        read_date(greek, None, ["fr", "ar", "en"], CASABLANCA)
    with pytest.raises(Undated, match="has no date"):
        read_date("  ", None, ["fr"], CASABLANCA)


def test_languages_order_and_unknown_codes():
    assert languages("ar-MA", "fr_FR", "xx", None) == ["ar", "fr", "en"]
    assert languages("es") == ["es", "fr", "ar", "en"]


instants = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2090, 12, 31), timezones=st.just(UTC)
).map(lambda moment: moment.replace(microsecond=0))
offsets = st.integers(min_value=-12 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)

FR_DAYS = ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."]
FR_MONTHS = [
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
]
AR_DAYS = ["الإثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"]
AR_MONTHS = [
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "ماي",
    "يونيو",
    "يوليوز",
    "غشت",
    "شتنبر",
    "أكتوبر",
    "نونبر",
    "دجنبر",
]
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@settings(max_examples=60, deadline=None)
@given(instants, offsets)
def test_any_rfc_822_date_survives(moment, offset):
    local = moment.astimezone(offset)
    assert read_date(format_datetime(local), None, languages(None), CASABLANCA) == moment


@settings(max_examples=40, deadline=None)
@given(instants, offsets)
def test_any_french_rfc_822_date_survives(moment, offset):
    local = moment.astimezone(offset)
    text = (
        f"{FR_DAYS[local.weekday()]}, {local.day:02d} {FR_MONTHS[local.month - 1]} {local.year} "
        f"{local:%H:%M:%S} {local:%z}"
    )
    assert read_date(text, None, languages("fr"), CASABLANCA) == moment


@settings(max_examples=40, deadline=None)
@given(instants, st.booleans())
def test_any_zoneless_arabic_date_is_in_the_outlet_s_zone(moment, indic):
    riyadh = ZoneInfo("Asia/Riyadh")  # no daylight saving: every wall time names one instant
    local = moment.astimezone(riyadh)
    text = f"{AR_DAYS[local.weekday()]} {local.day} {AR_MONTHS[local.month - 1]} {local.year} - {local:%H:%M}"
    if indic:
        text = text.translate(ARABIC_INDIC)
    found = read_date(text, None, languages("ar"), riyadh)
    assert found == moment.replace(second=0)
