"""Press coverage and the comparison with the previous edition."""

from __future__ import annotations

from services.reporter.pdf import charts
from services.reporter.pdf.document import MUTED, Column
from services.reporter.pdf.report import Report
from services.reporter.pdf.words import LRM, NOT_REPORTED


def press(r: Report) -> None:
    """The press cards, articles per day, every country by name (in two columns) and the main
    outlets."""
    pdf, t, c = r.pdf, r.t, r.c
    press = c.press
    countries = [[t.country(key), r.n(n)] for key, n in press.by_country]
    per_column = -(-len(countries) // 2)
    outlets = top_rows(r, press.by_outlet, lambda k: k or t("not_given"), limit=max(8, per_column - 1))
    row_h = pdf.row_height()
    tables_h = (max(per_column, len(outlets)) + 1) * row_h + 12
    side_by_side = tables_h < pdf.page_break_trigger - pdf.t_margin - 60
    # side by side, the tables cannot break: they go on one page; a longer list of countries
    # flows on its own, full width. The heading is kept with the cards and the chart.
    chart_h = pdf.width * 2.2 / 7.0
    keep = 28 + (
        chart_h + 10 if press.by_day else tables_h if side_by_side else pdf.table_keep(len(countries))
    )
    if not r.section("press", "no_press", press.articles, keep=keep if press.articles else 20):
        return
    pdf.cards(
        [
            (r.n(press.articles), t("articles_label"), ""),
            (r.n(press.outlets), t("outlets"), ""),
            (r.n(press.countries), t("countries"), ""),
        ],
        height=19,
    )
    if press.by_day:
        pdf.subheading(t("press_chart"), keep=chart_h)
        event = c.event
        span = (r.local(event.start).date(), r.local(event.end).date()) if event.start and event.end else None
        png = charts.articles_by_day(t, press.by_day, span)
        pdf.image_block(png, pdf.width)
        pdf.note(t("press_note", tz=event.timezone))
    gap = 5.0
    third = (pdf.width - 2 * gap) / 3
    if side_by_side:
        pdf.ensure(tables_h)
        y = pdf.get_y()
        pdf.start_section(t("by_country"), level=1, strict=False)
        pdf.para(
            t("by_country"), size=11, style="B", x=pdf.x_of(0, 2 * third + gap), w=2 * third + gap, gap=0
        )
        pdf.set_y(y)
        pdf.para(t("by_outlet"), size=11, style="B", x=pdf.x_of(2 * (third + gap), third), w=third, gap=0)
        top = pdf.get_y() + 1
        ends = []
        for index, (x, rows, name) in enumerate(
            (
                (0.0, countries[:per_column], "country"),
                (third + gap, countries[per_column:], "country"),
                (2 * (third + gap), outlets, "outlet"),
            )
        ):
            if not rows:
                continue
            pdf.set_y(top)
            pdf.data_table(
                [Column(t(name), third - 17, content=True), Column(t("articles"), 17, True)],
                rows,
                x0=pdf.x_of(x, third),
                size=8.5 if index < 2 else 9,
            )
            ends.append(pdf.get_y())
        pdf.set_y(max(ends))
    else:
        pdf.subheading(t("by_country"), keep=pdf.table_keep(len(countries)))
        pdf.data_table([Column(t("country"), 120, content=True), Column(t("articles"), 30, True)], countries)
        pdf.subheading(t("by_outlet"), keep=pdf.table_keep(len(outlets)))
        pdf.data_table([Column(t("outlet"), 120, content=True), Column(t("articles"), 30, True)], outlets)


def top_rows(r: Report, counts: list[tuple[str, int]], name, limit: int = 8) -> list[list[str]]:
    rows = [[name(key), r.n(n)] for key, n in counts[:limit]]
    rest = counts[limit:]
    if rest:
        rows.append([r.t("others", n=r.t.digits(str(len(rest)))), r.n(sum(n for _, n in rest))])
    return rows


def comparison(r: Report) -> None:
    pdf, t, c = r.pdf, r.t, r.c
    comparison = c.comparison
    if not c.has_data:  # nothing of this edition to compare
        return
    pdf.heading(t("comparison"), keep=pdf.table_keep(7, at_least=7) if comparison else 12)
    if comparison is None:
        pdf.para(t("no_previous"), colour=MUTED)
        return
    previous = r.marked(comparison.previous.name(t.lang), comparison.previous.name_lang(t.lang))
    if not comparison.has_data:
        pdf.para(t("previous_no_data", name=previous))
        return
    now, before = c.figures, comparison.before
    columns = [
        Column(t("indicator"), 52),
        Column(r.title, 44, True, content=True),
        Column(previous, 44, True, content=True),
        Column(t("change"), 38, True),
    ]
    rows = []
    for key in ("posts", "views", "impressions", "engagements"):
        a, b = now.totals[key], before.totals[key]
        rows.append([t(key), r.n(a), r.n(b), change(r, a, b)])
    for name in ("by_impressions", "by_followers"):
        rate, rate_before = now.rates[name], before.rates[name]
        rows.append([r.rate_label(name), r.pct(rate), r.pct(rate_before), points(r, rate, rate_before)])
    rows.append(
        [
            t("articles_label"),
            r.n(c.press.articles),
            r.n(comparison.before_press),
            change(r, c.press.articles, comparison.before_press),
        ]
    )
    pdf.data_table(columns, rows)


def change(r: Report, now: int, before: int) -> str:
    if not before:
        return NOT_REPORTED
    return r.t.percent((now - before) / before, 1, signed=True)


def points(r: Report, now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return NOT_REPORTED
    diff = (now - before) * 100
    sign = "+" if diff > 0 else "−" if diff < 0 else ""
    if sign and r.t.rtl and not r.t.arabic_digits:
        sign = LRM + sign  # keep "+1.23" together, as in percent()
    return f"{sign}{r.t.decimal(abs(diff), 2)} {r.t('points')}"
