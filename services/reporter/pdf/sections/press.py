"""Press coverage and the comparison with the previous edition."""

from __future__ import annotations

from services.reporter.pdf import charts
from services.reporter.pdf.document import MUTED, Column
from services.reporter.pdf.report import Report
from services.reporter.pdf.words import LRM, NOT_REPORTED


def press(r: Report) -> None:
    """The press cards, articles per day, every country by name and the main outlets: each list
    a table of three (name, articles) pairs a row, read down each pair's column first."""
    pdf, t, c = r.pdf, r.t, r.c
    press = c.press
    countries = [(t.country(key), r.n(n)) for key, n in press.by_country]
    outlets = [(name, n) for name, n in top_rows(r, press.by_outlet, lambda k: k or t("not_given"), limit=11)]
    chart_h = pdf.width * 2.2 / 7.0
    keep = 28 + (chart_h + 10 if press.by_day else pdf.table_keep(-(-len(countries) // 3)))
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
    for title, name, items in (("by_country", "country", countries), ("by_outlet", "outlet", outlets)):
        if not items:
            continue
        rows = three_across(items)
        pdf.subheading(t(title), keep=pdf.table_keep(len(rows), 8.5, at_least=4))
        pair = [Column(t(name), 41.3, content=True), Column(t("articles"), 18, True)]
        pdf.data_table(pair * 3, rows, size=8.5)


def three_across(items: list[tuple[str, str]]) -> list[list[str]]:
    """``items`` in three (name, figure) pairs a row, down the first pair's column, then the
    second's, then the third's; empty cells fill the last rows."""
    per_column = -(-len(items) // 3)
    columns = [items[i * per_column : (i + 1) * per_column] for i in range(3)]
    return [
        [cell for column in columns for cell in (column[row] if row < len(column) else ("", ""))]
        for row in range(per_column)
    ]


def top_rows(r: Report, counts: list[tuple[str, int]], name, limit: int = 8) -> list[tuple[str, str]]:
    rows = [(name(key), r.n(n)) for key, n in counts[:limit]]
    rest = counts[limit:]
    if rest:
        rows.append((r.t("others", n=r.t.digits(str(len(rest)))), r.n(sum(n for _, n in rest))))
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
