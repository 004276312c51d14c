"""The cover (with the executive summary), the headline figures and the figures by platform."""

from __future__ import annotations

import logging

from fpdf import FPDFException

from services.reporter.figures import Figures
from services.reporter.pdf.document import ACCENT, INK, LIGHT, MUTED, Column, Span
from services.reporter.pdf.report import Report
from services.reporter.pdf.words import LRM, NOT_REPORTED, RLM, strong_direction

log = logging.getLogger("sada.reporter.pdf")


def cover(r: Report) -> None:
    """The event's name, dates, place and hashtags, its logo, and the report in three lines."""
    pdf, t, event = r.pdf, r.t, r.c.event
    pdf.add_page()
    pdf.start_section(r.name, level=0, strict=False)
    pdf.set_fill_color(*ACCENT)
    pdf.rect(0, 0, pdf.w, 9, "F")
    if r.logo is not None:
        try:
            box_w, box_h = 50.0, 24.0
            pdf.image(str(r.logo), x=pdf.x_of(0, box_w), y=18, w=box_w, h=box_h, keep_aspect_ratio=True)
        except (OSError, ValueError, FPDFException) as exc:  # a broken logo must not cost the report
            log.warning("report logo %s left out: %s", r.logo, exc)
    pdf.set_y(56)
    pdf.para(t("report"), size=14, style="B", colour=ACCENT, gap=2)
    # a name marked as in another language is a phrase of the report's: drawn in its direction
    kind = "content" if r.title == r.name else "label"
    pdf.para(r.title, size=26, style="B", kind=kind, align=pdf.start(None), gap=3)
    pdf.para(t("subtitle"), size=13, colour=MUTED, gap=8)
    rows = []
    if event.start and event.end:
        rows.append((t("dates"), t.date_range(r.local(event.start).date(), r.local(event.end).date())))
    else:
        rows.append((t("dates"), t("dates_unknown")))
    place = event.place(t.lang)
    if place:
        rows.append((t("place"), r.marked(*place)))
    rows.append((t("timezone"), event.timezone))
    if event.hashtags:
        # each tag led by the mark of its own direction: its # stays on its side in any line
        tags = [(RLM if strong_direction(tag) == "rtl" else LRM) + tag for tag in event.hashtags]
        rows.append((t("hashtags"), "   ".join(tags)))
    rows.append((t("generated"), t.date(r.local(r.c.generated_at))))
    for label, value in rows:
        y = pdf.get_y()
        pdf.box_text(pdf.x_of(0, 45), y, 45, label, 10, "B", MUTED)
        used = pdf.box_text(pdf.x_of(48, pdf.width - 48), y, pdf.width - 48, value, 11, "", INK)
        pdf.set_y(y + max(used, 6) + 2)
    if not r.c.has_data:
        pdf.ln(8)
        y = pdf.get_y()
        pdf.set_fill_color(253, 243, 226)
        height = pdf.text_height(t("no_data"), pdf.width - 10, 12, "B") + 8
        pdf.rect(pdf.l_margin, y, pdf.width, height, "F")
        pdf.box_text(pdf.l_margin + 5, y + 4, pdf.width - 10, t("no_data"), 12, "B", (140, 80, 0))
        return
    summary(r)


def summary(r: Report) -> None:
    """The executive summary: the headline figures, the best day (and session), the strongest
    platform; one paragraph each, in a shaded box."""
    pdf, t = r.pdf, r.t
    lines = [line for line in (in_words(r), best_day(r), strongest(r)) if line]
    if not lines:
        return
    pdf.ln(8)
    pdf.start_section(t("summary"), level=1, strict=False)
    inner = pdf.width - 14
    height = sum(pdf.text_height(line, inner, 11.5) + 2.5 for line in lines)
    title_h = pdf.text_height(t("summary"), inner, 12.5, "B") + 2
    y = pdf.get_y()
    pdf.set_fill_color(*LIGHT)
    pdf.rect(pdf.l_margin, y, pdf.width, height + title_h + 10, "F")
    pdf.set_fill_color(*ACCENT)
    pdf.rect(pdf.x_of(0, 1.5), y, 1.5, height + title_h + 10, "F")
    x = pdf.x_of(7, inner)
    at = y + 5 + pdf.box_text(x, y + 5, inner, t("summary"), 12.5, "B", ACCENT) + 2
    for line in lines:
        at += pdf.box_text(x, at, inner, line, 11.5, "", INK) + 2.5
    pdf.set_y(y + height + title_h + 10)


def best_day(r: Report) -> str:
    """The day with most engagements, and the agenda session with most, when there is one."""
    t, c = r.t, r.c
    if not c.days or not any(d.engagements for d in c.days):
        return ""
    day = max(c.days, key=lambda d: d.engagements)
    name = t.date(day.date)
    if day.in_event and day.number:
        name = f"{name} ({t('day_n', n=t.digits(str(day.number)))})"
    if not c.sessions:
        return t("summary_day", day=name, n=r.n(day.engagements))
    session = c.sessions[0].session
    start, end = r.local(session.start), r.local(session.end)
    when = f"{t.date(start, year=False)}{'،' if t.rtl else ','} {t.time_range(start, end)}"
    return t(
        "summary_day_session", day=name, n=r.n(day.engagements), session=r.session_title(session), when=when
    )


def strongest(r: Report) -> str:
    """The platform with most engagements, its share of the total and its rate by impressions."""
    t, c = r.t, r.c
    found = [p for p in c.platforms if p.figures is not None and p.figures.totals["engagements"]]
    total = c.figures.totals["engagements"]
    if not found or not total:
        return ""
    top = max(found, key=lambda p: p.figures.totals["engagements"] if p.figures else 0)
    assert top.figures is not None
    n = top.figures.totals["engagements"]
    values = {"platform": t.platform(top.platform), "n": r.n(n), "share": t.percent(n / total, 0)}
    rate = top.figures.rates["by_impressions"]
    if rate is None:
        return t("summary_platform", **values)
    r.shown_rates.add("by_impressions")
    return t("summary_platform_rate", **values, rate=r.pct(rate))


def headline(r: Report) -> None:
    pdf, t, c = r.pdf, r.t, r.c
    totals = c.figures.totals
    pdf.heading(t("headline"))
    if c.best_rate:
        platform, best = c.best_rate
        r.shown_rates.add("by_impressions")
        rate_card = (r.pct(best), t("rate_on", platform=t.platform(platform)), all_platforms(r))
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


def all_platforms(r: Report) -> str:
    """The rate by impressions of every platform that reports impressions, named: "All
    platforms" only when that is every platform with data."""
    t, c = r.t, r.c
    rate = r.pct(c.figures.rates["by_impressions"])
    with_data = [p for p in c.platforms if p.figures is not None]
    counted = [p.platform for p in with_data if p.figures and p.figures.weights["by_impressions"][1]]
    if len(counted) == len(with_data):
        return t("all_platforms", rate=rate)
    return t("all_platforms_of", platforms=t.join([t.platform(p) for p in counted]), rate=rate)


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
        Column(r.rate_short("by_impressions"), 22, True),
        Column(r.rate_short("by_followers"), 22, True),
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
