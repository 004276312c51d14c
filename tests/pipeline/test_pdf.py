"""The PDF campaign report (services/reporter/pdf) over a store filled through the real pipeline.

Each report is read back with poppler, as a reader would: ``pdftotext`` (the text a copy-paste
gives: the headline figures and the labels of our dictionary must come out in logical order,
the Arabic ones exactly as written), ``pdftohtml -xml`` (the outline: a bookmark per section),
``pdfimages -list`` (the pictures of the top posts) and ``pdftoppm`` (the pages as images, to
measure how far down each page's ink goes). Events with no data and with a tracked platform
missing must say so.
"""

from __future__ import annotations

import http.server
import io
import os
import re
import shutil
import subprocess
import threading
import xml.etree.ElementTree as ElementTree
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from harness import module_pipeline, ndjson

from services.cli import main
from services.demo import DEMO_REGISTRY
from services.demo.simulator import seed_event
from services.outputs import write_outputs
from services.reporter.pdf import render_report, render_reports
from services.reporter.pdf.words import BIDI_MARKS, LANGS, NBSP, NNBSP, NOT_REPORTED, Words
from shared.metrics import RATE_FORMULAS, RATES
from shared.registry import Event, Registry, load_registry

EVENT = "ausim-2022"
FORUM = "forum-2024"  # tracks YouTube, which sends nothing
EMPTY = "empty-2025"  # registered, no data at all
FORUM_TEXT = "جلسة حوارية حول الذكاء الاصطناعي في الدار البيضاء"


def keep(name: str, pdf: bytes) -> bytes:
    """With SADA_TEST_PDF_DIR set, the rendered reports are kept there, to look at."""
    if os.environ.get("SADA_TEST_PDF_DIR"):
        Path(os.environ["SADA_TEST_PDF_DIR"], name).write_bytes(pdf)
    return pdf


def pdftotext(pdf: bytes) -> str:
    """The text a reader copies out of the PDF, without the bidi embedding marks pdftotext adds
    (and our LRM/ALM marks); narrow and plain no-break spaces read as spaces (poppler prints
    U+202F as a space), and line breaks as spaces, so that a wrapped label reads whole."""
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: apt-get install -y poppler-utils")
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode("utf-8")
    text = re.sub(f"[{BIDI_MARKS}]", "", text).replace(NNBSP, " ").replace(NBSP, " ")
    return re.sub(r"\s+", " ", text)


def flat(text: str) -> str:
    return text.replace(NNBSP, " ").replace(NBSP, " ")


class Pictures:
    """A local HTTP server standing in for a platform's media CDN: ``/ok.png`` is a 60×40 picture,
    anything else answers 404, as a CDN does for an expired or removed file."""

    def __init__(self) -> None:
        from PIL import Image

        buffer = io.BytesIO()
        Image.new("RGB", (60, 40), (200, 30, 30)).save(buffer, format="PNG")
        picture = buffer.getvalue()
        self.requests: list[str] = []
        requests = self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                requests.append(self.path)
                if self.path == "/ok.png":
                    self.send_response(200)
                    self.send_header("Content-Type", "image/png")
                    self.send_header("Content-Length", str(len(picture)))
                    self.end_headers()
                    self.wfile.write(picture)
                else:
                    self.send_error(404)

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        """Stop answering: the CDN is out of reach (called again at the end: a no-op)."""
        if self.thread.is_alive():
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture(scope="module")
def pictures():
    server = Pictures()
    yield server
    server.close()


def forum_records(pictures_url: str) -> list[dict]:
    """LinkedIn and X posts of a forum whose registry also tracks YouTube; two carry hashtags;
    the first has a picture the CDN serves, the second one it has lost (404), the third none."""
    media = [f"{pictures_url}/ok.png", f"{pictures_url}/gone.png", None]
    records = []
    for n, (platform, tags) in enumerate(
        [("linkedin", ["#المغرب_الرقمي", "#Forum2024"]), ("x", ["#Forum2024"]), ("linkedin", [])]
    ):
        post_id = f"{platform}-{n}"
        records.append(
            {
                "type": "post",
                "event": FORUM,
                "platform": platform,
                "post_id": post_id,
                "created_at": "2024-05-14T10:00:00+01:00",
                "hashtags": tags,
                "lang": "ar",
                "text": FORUM_TEXT,
                "url": f"https://{platform}.example/{post_id}",
                **({"media_url": media[n]} if media[n] else {}),
            }
        )
        records.append(
            {
                "type": "metrics",
                "event": FORUM,
                "platform": platform,
                "post_id": post_id,
                "observed_at": "2024-05-14T18:00:00+01:00",
                "impressions": 1000 * (n + 1),
                "likes": 40 * (n + 1),
                "comments": 5,
            }
        )
    return records


@pytest.fixture(scope="module")
def filled(broker, chdb_dir, pictures):
    demo = load_registry(DEMO_REGISTRY)
    registry = Registry(
        events={
            **demo.events,
            FORUM: Event(
                slug=FORUM,
                names={
                    "ar": "منتدى الرقمنة 2024",
                    "fr": "Forum du numérique 2024",
                    "en": "Digital Forum 2024",
                },
                timezone="Africa/Casablanca",
                start=datetime.fromisoformat("2024-05-14T08:00:00+01:00"),
                end=datetime.fromisoformat("2024-05-14T19:00:00+01:00"),
                accounts={"linkedin": ["forum"], "x": ["forum"], "youtube": ["forum"]},
            ),
            EMPTY: Event(
                slug=EMPTY,
                names={"ar": "حدث بلا بيانات", "fr": "Événement sans données", "en": "Event without data"},
                previous=EVENT,
            ),
        }
    )
    bad = {
        "type": "metrics",
        "event": EVENT,
        "platform": "linkedin",
        "post_id": "li-00001",
        "observed_at": "2022-10-27T10:00:00+01:00",
        "likes": -3,
    }
    edition_2024 = seed_event(
        seed=7, event="ausim-2024", start=datetime(2024, 10, 23, 8, 0, tzinfo=timezone(timedelta(hours=1)))
    )
    # the simulator always adds up to the seed figures: one more post makes 2024 differ by
    # +10 % in views (+31,400) and engagements (+24,600 likes)
    edition_2024 += [
        {
            "type": "post",
            "event": "ausim-2024",
            "platform": "linkedin",
            "post_id": "li-extra",
            "created_at": "2024-10-24T10:00:00+01:00",
        },
        {
            "type": "metrics",
            "event": "ausim-2024",
            "platform": "linkedin",
            "post_id": "li-extra",
            "observed_at": "2024-10-24T18:00:00+01:00",
            "views": 31_400,
            "likes": 24_600,
        },
    ]
    with module_pipeline(broker, chdb_dir, "pdf", registry) as pipeline:
        status, answer, _ = pipeline.post(ndjson([*forum_records(pictures.url), bad]))
        assert status == 200 and len(answer["rejected"]) == 1
        pipeline.post_all([*seed_event(), *edition_2024])
        yield pipeline, registry, pipeline.local.settings


@pytest.fixture(scope="module")
def reports(filled):
    """The demo event's report in each language, and as text."""
    pipeline, registry, _ = filled
    pdfs = render_reports(pipeline.store, registry.get(EVENT), list(LANGS))
    return {lang: (keep(f"{EVENT}-{lang}.pdf", pdf), pdftotext(pdf)) for lang, pdf in pdfs.items()}


def in_order(text: str, needles: list[str]) -> None:
    """Each needle occurs, each after the one before."""
    at = -1
    for needle in needles:
        found = text.find(needle, at + 1)
        assert found > at, f"{needle!r} missing or out of order"
        at = found


SECTIONS = [
    "report",
    "headline",
    "by_platform",
    "days_title",
    "sessions_title",
    "top_posts",
    "hashtags",
    "press",
    "by_country",
    "methods",
    "formulas",
    "window",
    "sources",
    "rejected",
]


@pytest.mark.parametrize("lang", LANGS)
def test_headline_figures_and_sections_read_back_in_logical_order(reports, lang):
    pdf, text = reports[lang]
    t = Words(lang)
    assert pdf.startswith(b"%PDF-")
    # the labels of the dictionary, in the order of the report; Arabic ones extract exactly
    in_order(text, [t(key) for key in SECTIONS])
    # the headline cards: each figure in full, then its label
    in_order(text, [flat(t.number(932)), flat(t.number(314_000)), flat(t.number(246_000))])
    for figure, label in (
        (t.number(932), "posts"),
        (t.number(314_000), "views"),
        (t.number(246_000), "engagements"),
        (t.number(316), "articles_label"),
        (t.number(22), "countries"),
    ):
        # the whole number (22 is also in "2022"), then its label
        whole = re.search(rf"(?<![\d.,]){re.escape(flat(figure))}(?![\d.,])", text)
        assert whole, f"{figure!r} missing as a whole number"
        in_order(text[whole.start() :], [flat(figure), t(label)])
    assert re.sub(f"[{BIDI_MARKS}]", "", flat(t.percent(0.0984))) in text  # LinkedIn, by impressions
    # the rate card's label may wrap, and pdftotext reads the cards' lines across the row
    assert all(word in text for word in t("rate_on", platform=t.platform("linkedin")).split())
    # the per-platform table names the four platforms of the seed report
    for platform in ("linkedin", "facebook", "x", "youtube"):
        assert t.platform(platform) in text
    # hashtags (taken from the posts' texts by the pipeline)
    assert "#AUSIM2022" in text[text.index(t("hashtags")) :]


def test_numbers_follow_each_language(reports):
    assert "314 000" in reports["fr"][1] and "9,84 %" in reports["fr"][1]  # U+202F read back as a space
    assert "314,000" in reports["en"][1] and "9.84%" in reports["en"][1]
    # Arabic separators (٬ thousands, ٫ decimal) with Western digits: Amiri's full stop is a heavy dot
    assert "314٬000" in reports["ar"][1] and "9٫84%" in reports["ar"][1]
    assert "9.84" not in reports["ar"][1] and "314,000" not in reports["ar"][1]
    assert Words("fr").number(314_000) == "314\u202f000" and Words("fr").percent(0.0984) == "9,84\u202f%"
    assert Words("en").number(1_250_000) == "1,250,000" and Words("en").percent(None) == "—"
    arabic = Words("ar", arabic_digits=True)
    assert arabic.number(314_000) == "٣١٤٬٠٠٠" and arabic.percent(0.0984).startswith("٩٫٨٤٪")
    assert Words("fr", arabic_digits=True).number(932) == "932"


def test_arabic_digits_on_request(filled):
    pipeline, registry, _ = filled
    text = pdftotext(
        keep(
            f"{EVENT}-ar-digits.pdf",
            render_report(pipeline.store, registry.get(EVENT), "ar", arabic_digits=True),
        )
    )
    t = Words("ar", arabic_digits=True)
    for value in (932, 314_000, 246_000, 316):
        assert t.number(value) in text
    # "٩٫٨٤٪" shows with ٪ on the number's left, as CLDR's Arabic has it; pdftotext then reads the
    # sign first, so only the digits are compared
    assert "٩٫٨٤" in text and "314,000" not in text


@pytest.mark.parametrize("lang", LANGS)
def test_methods_name_every_formula_window_sources_and_rejects(reports, lang):
    _, text = reports[lang]
    t = Words(lang)
    methods = text[text.rindex(t("methods")) :]
    # the rates the report shows (by impressions and by followers by platform, by views on the
    # Facebook and YouTube posts), and not by reach, which no platform of the demo reports
    shown = ["by_impressions", "by_views", "by_followers"]
    assert set(shown) | {"by_reach"} == set(RATE_FORMULAS)
    for name in shown:
        assert f"{t('rate')} {t(f'qualifier.{name}')}" in methods
        if lang != "ar":  # poppler moves the spaces around Σ and digits in Arabic lines; the words stay
            assert t("formula", den=t(f"denominator.{RATES[name]}")) in flat(methods)
    assert t("qualifier.by_reach") not in text
    assert t("window") in methods and t("rejected") in methods
    if lang != "ar":
        assert flat(t("rejected_text", n=t.number(1))) in methods
    if lang == "en":
        assert "Platforms: LinkedIn, Facebook, X and YouTube." in methods
        assert "Press and blogs: 316 articles." in methods
        assert "From 24 October 2022" in methods and "(Africa/Casablanca time)" in methods


@pytest.mark.parametrize("lang", LANGS)
def test_a_tracked_platform_without_data_is_named(filled, lang):
    pipeline, registry, _ = filled
    t = Words(lang)
    text = pdftotext(keep(f"{FORUM}-{lang}.pdf", render_report(pipeline.store, registry.get(FORUM), lang)))
    assert t("no_platform_data") in text
    if lang == "en":
        assert t("missing_platforms", platforms="YouTube") in text
    else:
        assert t.platform("youtube") in text
    assert registry.get(FORUM).name(lang) in text
    # hashtags, each in its own script; in a left-to-right page pdftotext reads the # of an Arabic
    # hashtag after the word (it is drawn on the word's right, where it belongs)
    assert ("#المغرب_الرقمي" if lang == "ar" else "المغرب_الرقمي") in text and "#Forum2024" in text
    # a post's text in its own script; pdftotext reads a space into some kerned letter pairs of
    # Amiri (حوار ية), so this one compares without spaces
    assert FORUM_TEXT.replace(" ", "") in text.replace(" ", "")


@pytest.mark.parametrize("lang", LANGS)
def test_an_event_without_data_says_so(filled, lang):
    pipeline, registry, _ = filled
    t = Words(lang)
    event = registry.get(EMPTY)
    text = pdftotext(
        keep(f"{EMPTY}-{lang}.pdf", render_report(pipeline.store, event, lang, registry.get(event.previous)))
    )
    assert t("no_data") in text and t("window_none") in text
    assert t("headline") in text and t("by_platform") not in text and t("top_posts") not in text
    assert registry.get(EMPTY).name(lang) in text


def test_comparison_with_the_previous_edition(filled):
    pipeline, registry, _ = filled
    t = Words("en")
    current = registry.get("ausim-2024")
    text = pdftotext(
        keep(
            "ausim-2024-en.pdf", render_report(pipeline.store, current, "en", registry.get(current.previous))
        )
    )
    comparison = text[text.index(t("comparison")) :]
    in_order(comparison, [t("indicator"), "AUSIM Congress 2024", "AUSIM Congress 2022", t("change")])
    # each row: this edition, the previous one, the change
    in_order(
        comparison,
        [t("views"), "345,400", "314,000", "+10.0%", t("engagements"), "270,600", "246,000", "+10.0%"],
    )


def test_reporter_route_and_cli_write_pdfs(filled, tmp_path, monkeypatch):
    pipeline, registry, settings = filled

    async def fetch(params):
        import aiohttp

        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{pipeline.reporter}/v1/events/{EVENT}/report.pdf", params=params) as response,
        ):
            return response.status, response.headers.get("Content-Type"), await response.read()

    status, kind, body = pipeline.call(fetch({"lang": "ar"}))
    assert status == 200 and kind == "application/pdf" and body.startswith(b"%PDF-")
    assert Words("ar")("headline") in pdftotext(body)
    status, _, body = pipeline.call(fetch({"lang": "de"}))
    assert status == 400 and b"lang" in body
    # `sada report pdf --url`: one file per language, printed on stdout
    monkeypatch.delenv("SADA_EVENTS_FILE", raising=False)
    assert (
        main(
            [
                "report",
                "pdf",
                "--event",
                EVENT,
                "--lang",
                "fr",
                "-o",
                str(tmp_path),
                "--url",
                pipeline.reporter,
            ]
        )
        == 0
    )
    assert Words("fr")("headline") in pdftotext((tmp_path / f"report-{EVENT}-fr.pdf").read_bytes())
    # `sada run` / `sada demo` outputs: report-<event>-<lang>.pdf beside the summary
    written = write_outputs(pipeline.store, settings, tmp_path / "out", [FORUM], ["en"], registry)
    assert {p.name for p in written} >= {f"report-{FORUM}-en.pdf", f"summary-{FORUM}.json"}


# --- the campaign report as a communications team reads it (issue 15) ---------------------------


def page_text(pdf: bytes, first: int, last: int | None = None) -> str:
    """The text of pages ``first``–``last`` (1-based), read as :func:`pdftotext` reads a whole."""
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-f", str(first), "-l", str(last or first), "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    text = re.sub(f"[{BIDI_MARKS}]", "", text).replace(NNBSP, " ").replace(NBSP, " ")
    return re.sub(r"\s+", " ", text)


def loose(text: str) -> str:
    """``text`` without spaces, parentheses and the stops, commas and colons of either script:
    pdftotext moves those around digits and Latin runs in Arabic lines (it reads "من 15:00 إلى
    17:00." as "من  15:00إلى .)17:00"), and reads a space into some kerned pairs of Amiri; the
    words and the figures stay in their order."""
    return re.sub(r"[\s().،,:;؛]", "", re.sub(f"[{BIDI_MARKS}]", "", text))


def outline(pdf: bytes, tmp_path: Path) -> list[tuple[str, int]]:
    """The PDF's bookmarks as poppler reads them (``pdftohtml -xml``): (title, page), in order."""
    source = tmp_path / "outline.pdf"
    source.write_bytes(pdf)
    xml = subprocess.run(
        ["pdftohtml", "-xml", "-i", "-q", "-stdout", str(source)], capture_output=True, check=True
    ).stdout
    root = ElementTree.fromstring(xml)
    return [("".join(item.itertext()).strip(), int(item.get("page", "0"))) for item in root.iter("item")]


def page_count(pdf: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]


def ink_depth(pdf: bytes, tmp_path: Path) -> list[float]:
    """Per page, how far down the lowest non-white row above the footer is, as a fraction of the
    page's height (pages rendered by pdftoppm at 30 dpi)."""
    from PIL import Image

    subprocess.run(
        ["pdftoppm", "-r", "30", "-gray", "-png", "-", str(tmp_path / "page")], input=pdf, check=True
    )
    depths = []
    for path in sorted(tmp_path.glob("page-*.png"), key=lambda p: int(p.stem.split("-")[-1])):
        with Image.open(path) as image:
            gray = image.convert("L")
            width, height = gray.size
            above_footer = int(height * (297 - 16) / 297)  # the footer's rule is 13.5 mm from the foot
            pixels = gray.load()
            lowest = max(
                (y for y in range(above_footer) for x in range(width) if pixels[x, y] < 200), default=0
            )
            depths.append(lowest / height)
    return depths


@pytest.mark.parametrize("lang", LANGS)
def test_cover_names_the_place_hashtags_and_sums_the_event_up(filled, lang):
    pipeline, registry, _ = filled
    t = Words(lang)
    event = registry.get(FORUM).model_copy(
        update={"places": {"fr": "Casablanca, Maroc"}, "hashtags": ["#Forum2024", "#المغرب_الرقمي"]}
    )
    pdf = keep(f"{FORUM}-cover-{lang}.pdf", render_report(pipeline.store, event, lang))
    cover = page_text(pdf, 1)
    # the place, marked when it is given in another language than the report's
    assert "Casablanca, Maroc" in cover
    marked = loose(t.language("fr")) in loose(cover)
    assert not marked if lang == "fr" else marked
    assert "Forum2024" in cover and "المغرب_الرقمي" in cover and cover.count("#") >= 2
    # the summary, worked out by hand from forum_records: LinkedIn 45 + 125 engagements on
    # 1,000 + 3,000 impressions, X 85 on 2,000, all on 14 May 2024, the forum's one day
    assert t("summary") in cover
    day = f"{t.date(datetime(2024, 5, 14))} ({t('day_n', n='1')})"
    assert loose(t("summary_day", day=day, n=t.number(255))) in loose(cover)
    strongest = t(
        "summary_platform_rate",
        platform=t.platform("linkedin"),
        n=t.number(170),
        share=t.percent(170 / 255, 0),
        rate=t.percent(170 / 4000),
    )
    assert loose(strongest) in loose(cover)
    # both platforms report impressions: the rate card says "All platforms"
    assert loose(t("all_platforms", rate=t.percent(255 / 6000))) in loose(pdftotext(pdf))


def test_demo_cover_hashtags_and_rate_of_the_platforms_it_covers(reports):
    for lang, (pdf, text) in reports.items():
        t = Words(lang)
        cover = page_text(pdf, 1)
        # in an Arabic line pdftotext reads a Latin tag's # apart from it: its letters, and three #
        for tag in ("AUSIM2022", "DigitalMorocco", "المغرب_الرقمي"):
            assert tag in cover, (lang, tag)
        assert cover.count("#") >= 3
        assert t("summary") in cover and t.platform("linkedin") in cover
        # of the demo's platforms only LinkedIn and X report impressions: the 8.82% is theirs
        covered = t("all_platforms_of", platforms=t.join([t.platform("linkedin"), t.platform("x")]), rate="")
        assert loose(covered) in loose(text), lang
        assert t("all_platforms", rate="").strip() not in text


@pytest.mark.parametrize("lang", LANGS)
def test_every_country_of_the_press_is_named(reports, lang):
    _, text = reports[lang]
    t = Words(lang)
    countries = {r["country"] for r in seed_event() if r["type"] == "mention" and r.get("country")}
    assert len(countries) == 22
    press = text[text.index(t("press")) :]
    for code in countries:
        assert loose(t.country(code)) in loose(press), (lang, code)


@pytest.mark.parametrize("lang", LANGS)
def test_top_posts_show_the_rates_their_platform_reports(filled, reports, lang):
    from services.reporter.pdf.content import gather

    pipeline, registry, _ = filled
    pdf, text = reports[lang]
    t = Words(lang)
    posts = gather(pipeline.store, registry.get(EVENT)).top_posts
    section = text[text.index(t("top_posts")) : text.index(t("hashtags"), text.index(t("top_posts")))]
    assert {p.platform for p in posts} >= {"facebook", "youtube", "linkedin"}
    for post in posts:
        # a rate for every denominator the post has: impressions (LinkedIn, X), views (Facebook,
        # YouTube videos); none shown as "— / —"
        for name, denominator in (("by_impressions", post.impressions), ("by_views", post.views)):
            if denominator:
                rate = loose(t.percent(post.engagements / denominator))
                assert rate in loose(section), (lang, post.post_id, name)
        local = post.created_at.astimezone(registry.get(EVENT).zone)
        # the date, then the time (in an Arabic line pdftotext may read the time first)
        assert loose(t.date(local, year=False, short=True)) in loose(section) and t.time(local) in section
        assert post.account and post.account in section
    assert "— / —" not in section and f"{NOT_REPORTED}" not in section
    assert f"{t('rate_short')} {t('qualifier.by_views')}" in section


def test_arabic_ranges_read_in_logical_order_and_fallbacks_are_marked(reports):
    _, text = reports["ar"]
    t = Words("ar")
    # the three sessions of the demo's agenda, from the registry
    for start, end in (("09:30", "11:00"), ("10:00", "12:00"), ("15:00", "17:00")):
        assert loose(f"من {start} إلى {end}") in loose(text)
    assert "17:00–15:00" not in text and "15:00–17:00" not in text
    # the cybersecurity panel has no Arabic title: its French one is marked as French
    assert loose(t.language("fr")) in loose(text) and "cybersécurité" in text
    assert t.date_range(datetime(2022, 10, 26).date(), datetime(2022, 10, 28).date()).startswith("من ")


def test_a_name_in_another_language_is_marked(filled):
    pipeline, registry, _ = filled
    t = Words("ar")
    current = registry.get("ausim-2024")  # named and placed in French and English only
    pdf = keep(
        "ausim-2024-ar.pdf", render_report(pipeline.store, current, "ar", registry.get(current.previous))
    )
    cover = page_text(pdf, 1)
    assert loose(f"AUSIM Congress 2024 {t.language('en')}") in loose(cover)
    assert loose(f"Casablanca, Morocco {t.language('en')}") in loose(cover)


@pytest.mark.parametrize("lang", LANGS)
def test_bookmarks_per_section(reports, lang, tmp_path):
    pdf, _ = reports[lang]
    t = Words(lang)
    marks = outline(pdf, tmp_path)
    titles = [title for title, _ in marks]
    for key in (
        "summary",
        "headline",
        "by_platform",
        "days_title",
        "days_table",
        "sessions_title",
        "top_posts",
        "hashtags",
        "press",
        "by_country",
        "comparison",
        "methods",
    ):
        assert t(key) in titles, (lang, key)
    pages = [page for _, page in marks]
    assert pages == sorted(pages) and pages[0] == 1 and pages[-1] == page_count(pdf)
    # a section's bookmark is on the page where its heading is
    for title, page in marks:
        if title in (t("top_posts"), t("methods"), t("press")):
            assert title in page_text(pdf, page), (lang, title, page)


def test_no_comparison_is_said_in_a_line(reports):
    for lang, (_, text) in reports.items():
        t = Words(lang)
        assert t("comparison") in text and loose(t("no_previous")) in loose(text)


@pytest.mark.parametrize("lang", LANGS)
def test_no_page_is_more_than_half_empty_but_the_last_of_a_part(reports, lang, tmp_path):
    pdf, _ = reports[lang]
    t = Words(lang)
    depths = ink_depth(pdf, tmp_path)
    assert len(depths) == page_count(pdf) >= 5
    methods = next(page for title, page in outline(pdf, tmp_path) if title == t("methods"))
    # the cover, the page before the methods (which start a page) and the last end their part
    ends = {1, methods - 1, len(depths)}
    for page, depth in enumerate(depths, start=1):
        if page not in ends:
            assert depth >= 0.5, f"{lang}: page {page} ends at {depth:.0%} of its height"


def test_top_posts_pictures_fetched_cached_and_left_out_offline(filled, pictures, tmp_path):
    pipeline, registry, _ = filled
    event = registry.get(FORUM)
    cache = tmp_path / "media"

    def post_pictures(pdf: bytes) -> int:
        """The 60×40 pictures in the PDF (pdfimages -list: page num type width height …)."""
        listing = subprocess.run(["pdfimages", "-list", "-"], input=pdf, capture_output=True, check=True)
        rows = [line.split() for line in listing.stdout.decode().splitlines()[2:]]
        return sum(1 for row in rows if row[3:5] == ["60", "40"])

    pdf = keep(f"{FORUM}-pictures-en.pdf", render_report(pipeline.store, event, "en", pictures=cache))
    assert post_pictures(pdf) == 1  # ok.png; gone.png answered 404 and is left out; the third has none
    assert {"/ok.png", "/gone.png"} <= set(pictures.requests)
    assert len(list(cache.glob("*.jpg"))) == 1
    # no pictures folder: nothing is fetched, nothing shown
    asked = len(pictures.requests)
    assert post_pictures(render_report(pipeline.store, event, "en")) == 0 and len(pictures.requests) == asked
    # offline: the picture kept in the cache is shown, the others left out, the report still whole
    offline = registry.get(FORUM)
    pictures.close()
    pdf = render_report(pipeline.store, offline, "ar", pictures=cache)
    assert post_pictures(pdf) == 1 and Words("ar")("top_posts") in pdftotext(pdf)
    assert post_pictures(render_report(pipeline.store, offline, "fr", pictures=tmp_path / "empty")) == 0
