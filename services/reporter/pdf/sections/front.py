"""The cover, the headline figures and the figures by platform."""

from __future__ import annotations

import logging

from fpdf import FPDFException

from services.reporter.figures import Figures
from services.reporter.pdf.document import ACCENT, INK, MUTED, Column, Span
from services.reporter.pdf.report import Report
from services.reporter.pdf.words import NOT_REPORTED

log = logging.getLogger("sada.reporter.pdf")


def cover(r: Report) -> None:
    pdf, t, event = r.pdf, r.t, r.c.event
    pdf.add_page()
    pdf.set_fill_color(*ACCENT)
    pdf.rect(0, 0, pdf.w, 9, "F")
    if r.logo is not None:
        try:
            box_w, box_h = 50.0, 24.0
            pdf.image(str(r.logo), x=pdf.x_of(0, box_w), y=18, w=box_w, h=box_h, keep_aspect_ratio=True)
        except (OSError, ValueError, FPDFException) as exc:  # a broken logo must not cost the report
            log.warning("report logo %s left out: %s", r.logo, exc)
    pdf.set_y(80)
    pdf.para(t("report"), size=14, style="B", colour=ACCENT, gap=2)
    pdf.para(r.name, size=26, style="B", kind="content", align=pdf.start(None), gap=3)
    pdf.para(t("subtitle"), size=13, colour=MUTED, gap=10)
    rows = []
    if event.start and event.end:
        rows.append((t("dates"), t.date_range(r.local(event.start).date(), r.local(event.end).date())))
    else:
        rows.append((t("dates"), t("dates_unknown")))
    rows.append((t("timezone"), event.timezone))
    rows.append((t("generated"), t.date(r.local(r.c.generated_at))))
    for label, value in rows:
        y = pdf.get_y()
        pdf.box_text(pdf.x_of(0, 45), y, 45, label, 10, "B", MUTED)
        pdf.box_text(
            pdf.x_of(48, 120),
            y,
            120,
            value,
            11,
            "",
            INK,
            kind="content" if label == t("timezone") else "label",
            align=pdf.start(None),
        )
        pdf.set_y(y + 8)
    if not r.c.has_data:
        pdf.ln(8)
        y = pdf.get_y()
        pdf.set_fill_color(253, 243, 226)
        height = pdf.text_height(t("no_data"), pdf.width - 10, 12, "B") + 8
        pdf.rect(pdf.l_margin, y, pdf.width, height, "F")
        pdf.box_text(pdf.l_margin + 5, y + 4, pdf.width - 10, t("no_data"), 12, "B", (140, 80, 0))


def headline(r: Report) -> None:
    pdf, t, c = r.pdf, r.t, r.c
    totals, rates = c.figures.totals, c.figures.rates
    pdf.heading(t("headline"))
    if c.best_rate:
        platform, best = c.best_rate
        rate_card = (
            r.pct(best),
            t("rate_on", platform=t.platform(platform)),
            t("all_platforms", rate=r.pct(rates["by_impressions"])),
        )
    else:
        rate_card = (NOT_REPORTED, r.rate_label("by_impressions"), "")
    outlets = f"{t('outlets')}: {r.n(c.press.outlets)}" if c.press.outlets else ""
    pdf.cards(
        [
            card(r, totals["posts"], "posts"),
            card(r, totals["views"], "views"),
            card(r, totals["engagements"], "engagements"),
            rate_card,
            card(r, c.press.articles, "articles_label"),
            card(r, c.press.countries, "countries", outlets),
        ]
    )
    words = in_words(r)
    if words:
        pdf.para(words, size=11, gap=3)


def card(r: Report, value: int, label: str, note: str = "") -> tuple[str, str, str]:
    """A headline card; a zero shows as "—, none recorded", not as a figure."""
    if not value:
        return NOT_REPORTED, r.t(label), r.t("none_recorded")
    return r.n(value), r.t(label), note


def in_words(r: Report) -> str:
    """The headline as the seed report words it, from the parts that have figures."""
    t, c = r.t, r.c
    totals = c.figures.totals
    sentences = []
    parts = [
        t(f"words_{key}", n=r.n(totals[key])) for key in ("posts", "views", "engagements") if totals[key]
    ]
    if parts and c.sources:
        sentences.append(
            t(
                "words_social",
                parts=t.join(parts) if t.lang != "ar" else "، و".join(parts),
                platforms=t.join([t.platform(p) for p in c.sources]),
            )
        )
    if c.press.articles:
        press = t("words_press", n=r.n(c.press.articles))
        sentences.append(
            t("words_press_countries", press=press, countries=r.n(c.press.countries))
            if c.press.countries
            else f"{press}."
        )
    return " ".join(sentences)


def platforms(r: Report) -> None:
    pdf, t, c = r.pdf, r.t, r.c
    if not c.platforms:
        return
    pdf.subheading(t("by_platform"))
    columns = [
        Column(t("platform"), 32),
        Column(t("posts"), 24, True),
        Column(t("impressions"), 27, True),
        Column(t("views"), 25, True),
        Column(t("engagements"), 26, True),
        Column(f"{t('rate_short')} {t('qualifier.by_impressions')}", 22, True),
        Column(f"{t('rate_short')} {t('qualifier.by_followers')}", 22, True),
    ]
    rows: list[list] = []
    for entry in c.platforms:
        if entry.figures is None:
            rows.append([t.platform(entry.platform), Span(t("no_platform_data"))])
            continue
        rows.append(platform_row(r, t.platform(entry.platform), entry.figures))
    with_data = [p for p in c.platforms if p.figures is not None]
    if len(with_data) > 1:
        rows.append(platform_row(r, t("total"), c.figures))
    pdf.data_table(columns, rows, bold_last=len(with_data) > 1)
    if c.has_data:
        pdf.note(t("dash_note"))
    if c.missing_platforms:
        pdf.para(
            t("missing_platforms", platforms=t.join([t.platform(p) for p in c.missing_platforms])),
            size=10,
            style="B",
            colour=(140, 80, 0),
        )


def platform_row(r: Report, name: str, figures: Figures) -> list[str]:
    totals = figures.totals
    return [
        name,
        r.n(totals["posts"]),
        r.denominator(figures, "impressions"),
        r.denominator(figures, "views"),
        r.n(totals["engagements"]),
        r.pct(figures.rates["by_impressions"]),
        r.pct(figures.rates["by_followers"]),
    ]
