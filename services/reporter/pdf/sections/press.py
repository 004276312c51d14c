"""Press coverage and the comparison with the previous edition."""

from __future__ import annotations

from services.reporter.pdf import charts
from services.reporter.pdf.document import Column
from services.reporter.pdf.report import Report
from services.reporter.pdf.words import LRM, NOT_REPORTED


def press(r: Report) -> None:
    pdf, t, c = r.pdf, r.t, r.c
    press = c.press
    countries = top_rows(r, press.by_country, t.country)
    outlets = top_rows(r, press.by_outlet, lambda k: k or t("not_given"))
    row_h = pdf.text_height("0", 20, 9) + 2.4
    tables_h = (max(len(countries), len(outlets)) + 1) * row_h + 12
    # the cards and both tables on one page: side-by-side tables cannot break
    if not r.section("press", "no_press", press.articles, keep=tables_h + 28 if press.articles else 20):
        return
    pdf.cards(
        [
            (r.n(press.articles), t("articles_label"), ""),
            (r.n(press.outlets), t("outlets"), ""),
            (r.n(press.countries), t("countries"), ""),
        ],
        height=19,
    )
    half = (pdf.width - 6) / 2
    pdf.ensure(tables_h)
    y = pdf.get_y()
    pdf.para(t("by_country"), size=11, style="B", x=pdf.x_of(0, half), w=half, gap=0)
    pdf.set_y(y)
    pdf.para(t("by_outlet"), size=11, style="B", x=pdf.x_of(half + 6, half), w=half, gap=0)
    top = pdf.get_y() + 1
    pdf.set_y(top)
    pdf.data_table(
        [Column(t("country"), half - 24, content=True), Column(t("articles"), 24, True)],
        countries,
        x0=pdf.x_of(0, half),
    )
    left_end = pdf.get_y()
    pdf.set_y(top)
    pdf.data_table(
        [Column(t("outlet"), half - 24, content=True), Column(t("articles"), 24, True)],
        outlets,
        x0=pdf.x_of(half + 6, half),
    )
    pdf.set_y(max(left_end, pdf.get_y()))
    if press.by_day:
        pdf.subheading(t("press_chart"), keep=pdf.width * 2.2 / 7.0)
        event = c.event
        span = (r.local(event.start).date(), r.local(event.end).date()) if event.start and event.end else None
        png = charts.articles_by_day(t, press.by_day, span)
        pdf.image_block(png, pdf.width)
        pdf.note(t("press_note", tz=event.timezone))


def top_rows(r: Report, counts: list[tuple[str, int]], name, limit: int = 8) -> list[list[str]]:
    rows = [[name(key), r.n(n)] for key, n in counts[:limit]]
    rest = counts[limit:]
    if rest:
        rows.append([r.t("others", n=r.t.digits(str(len(rest)))), r.n(sum(n for _, n in rest))])
    return rows


def comparison(r: Report) -> None:
    pdf, t, c = r.pdf, r.t, r.c
    comparison = c.comparison
    if comparison is None or not c.has_data:  # nothing of this edition to compare
        return
    pdf.heading(t("comparison"))
    previous = comparison.previous.name(t.lang)
    if not comparison.has_data:
        pdf.para(t("previous_no_data", name=previous))
        return
    now, before = c.figures, comparison.before
    columns = [
        Column(t("indicator"), 52),
        Column(r.name, 44, True, content=True),
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
