"""The PDF campaign report (services/reporter/pdf) over a store filled through the real pipeline.

Each report is read back with poppler's ``pdftotext``, as a reader's copy-paste
would: the headline figures and the labels of our dictionary must come out in
logical order, the Arabic ones exactly as written. Events with no data and
with a tracked platform missing must say so.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from harness import module_pipeline, ndjson

from services.cli import main
from services.demo import DEMO_REGISTRY
from services.demo.simulator import seed_event
from services.outputs import write_outputs
from services.reporter.pdf import render_report, render_reports
from services.reporter.pdf.words import BIDI_MARKS, LANGS, NBSP, NNBSP, Words
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


def forum_records() -> list[dict]:
    """LinkedIn and X posts of a forum whose registry also tracks YouTube; two carry hashtags."""
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
def filled(broker, chdb_dir):
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
        status, answer, _ = pipeline.post(ndjson([*forum_records(), bad]))
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
    assert "314,000" in reports["ar"][1] and "9.84%" in reports["ar"][1]
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
    for name in RATE_FORMULAS:
        assert f"{t('rate')} {t(f'qualifier.{name}')}" in methods
        if lang != "ar":  # poppler moves the spaces around Σ and digits in Arabic lines; the words stay
            assert t("formula", den=t(f"denominator.{RATES[name]}")) in flat(methods)
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
