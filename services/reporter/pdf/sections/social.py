"""The social media sections: engagement by day, agenda sessions, top posts, hashtags."""

from __future__ import annotations

from services.reporter.pdf import charts
from services.reporter.pdf.document import ACCENT, INK, MUTED, RULE, WHITE, Column
from services.reporter.pdf.report import Report
from services.reporter.pdf.words import NOT_REPORTED


def days(r: Report) -> None:
    pdf, t, c = r.pdf, r.t, r.c
    pdf.heading(t("days_title"), keep=pdf.width * 2.7 / 7.0 + 12)
    if not c.days:
        pdf.para(t("no_days"))
        return
    pdf.subheading(t("days_chart"), keep=pdf.width * 2.7 / 7.0)
    order = [p.platform for p in c.platforms if p.figures is not None]
    png = charts.engagement_by_day(
        t, [(d.date, d.in_event, d.engagements_by_platform) for d in c.days], order
    )
    pdf.image_block(png, pdf.width)
    pdf.note(t("days_note", tz=c.event.timezone))
    columns = [
        Column(t("date"), 52),
        Column(t("event_day"), 32),
        Column(t("posts"), 28, True),
        Column(t("views"), 32, True),
        Column(t("engagements"), 34, True),
    ]
    rows = []
    for day in c.days:
        label = t("day_n", n=t.digits(str(day.number))) if day.in_event and day.number else t("outside")
        rows.append([t.date(day.date), label, r.n(day.posts), r.n(day.views), r.n(day.engagements)])
    pdf.data_table(columns, rows)


def sessions(r: Report) -> None:
    pdf, t, c = r.pdf, r.t, r.c
    pdf.subheading(t("sessions_title"))
    if not c.event.agenda:
        pdf.para(t("no_agenda"), colour=MUTED)
        return
    if not c.sessions:
        pdf.para(t("no_session_posts"), colour=MUTED)
        return
    columns = [
        Column(t("session"), 58, content=True),
        Column(t("time"), 36),
        Column(t("room"), 32, content=True),
        Column(t("posts"), 24, True),
        Column(t("engagements"), 28, True),
    ]
    rows = []
    for entry in c.sessions:
        start, end = r.local(entry.session.start), r.local(entry.session.end)
        when = (
            f"{t.date(start, year=False)}، {t.time(start)}–{t.time(end)}"
            if t.rtl
            else f"{t.date(start, year=False)}, {t.time(start)}–{t.time(end)}"
        )
        rows.append(
            [
                entry.session.title(t.lang),
                when,
                entry.session.room or NOT_REPORTED,
                r.n(entry.figures.totals["posts"]),
                r.n(entry.figures.totals["engagements"]),
            ]
        )
    pdf.data_table(columns, rows)
    pdf.note(t("sessions_note"))


def top_posts(r: Report) -> None:
    pdf, t, c = r.pdf, r.t, r.c
    if not r.section("top_posts", "no_posts", c.top_posts):
        return
    rank_w, figures_w, gap = 9.0, 52.0, 4.0
    body_w = pdf.width - rank_w - figures_w - 2 * gap
    half = figures_w / 2
    for rank, post in enumerate(c.top_posts, start=1):
        text = post.text or t("no_text")
        url = post.url or ""
        figures = [
            (t("engagements"), r.n(post.engagements)),
            (t("views"), r.n(post.views) if post.views else NOT_REPORTED),
            (t("impressions"), r.n(post.impressions) if post.impressions else NOT_REPORTED),
            (f"{t('rate_short')} {t('qualifier.by_impressions')}", r.pct(post.rate_by_impressions)),
        ]
        label_h = [
            max(
                pdf.text_height(figures[i][0], half - 1, 7.5),
                pdf.text_height(figures[i + 1][0], half - 1, 7.5),
            )
            for i in (0, 2)
        ]
        value_h = pdf.text_height("0", half - 1, 10, "B")
        grid_h = sum(label_h) + 2 * value_h + 2
        body_h = (
            pdf.text_height("X", body_w, 8.5, "B")
            + pdf.text_height(text, body_w, 10, "", "content")
            + (pdf.text_height(url, body_w, 8, "", "ltr") if url else 0)
            + 2
        )
        height = max(body_h, grid_h, 9)
        pdf.ensure(height + 5)
        y = pdf.get_y()
        pdf.set_fill_color(*ACCENT)
        rx = pdf.x_of(0, rank_w)
        pdf.rect(rx + (1.5 if t.rtl else 0), y + 0.5, rank_w - 1.5, 7, "F")
        pdf.box_text(
            rx + (1.5 if t.rtl else 0), y + 1.2, rank_w - 1.5, t.digits(str(rank)), 10, "B", WHITE, "C"
        )
        bx = pdf.x_of(rank_w + gap, body_w)
        h = post_meta(r, bx, y, body_w, post.platform, post.account)
        h += pdf.box_text(bx, y + h + 0.5, body_w, text, 10, "", INK, kind="content") + 0.5
        if url:
            pdf.box_text(bx, y + h + 0.5, body_w, url, 8, "", ACCENT, pdf.start(None), "ltr", link=url)
        fx = pdf.x_of(rank_w + body_w + 2 * gap, figures_w)
        cy = y
        for row in (0, 1):
            for col in (0, 1):
                label, value = figures[2 * row + col]
                cx = fx + (half * (1 - col) if t.rtl else half * col)
                pdf.box_text(cx, cy, half - 1, label, 7.5, "", MUTED)
                pdf.box_text(cx, cy + label_h[row], half - 1, value, 10, "B", INK)
            cy += label_h[row] + value_h + 1
        bottom = y + height + 1.5
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.2)
        pdf.line(pdf.l_margin, bottom, pdf.w - pdf.r_margin, bottom)
        pdf.set_xy(pdf.l_margin, bottom + 2.5)


def post_meta(r: Report, x: float, y: float, w: float, platform: str, account: str | None) -> float:
    """The platform's name in the report's direction, then the account, always left-to-right."""
    pdf = r.pdf
    name = r.t.platform(platform)
    height = pdf.box_text(x, y, w, name, 8.5, "B", MUTED)
    if account:
        pdf.use(8.5, "B")
        used = pdf.get_string_width(name) + 2.5
        if used < w - 10:
            ax = x if r.t.rtl else x + used
            pdf.box_text(ax, y, w - used, account, 8.5, "", MUTED, pdf.start(None), "ltr")
    return height


def hashtags(r: Report) -> None:
    t, c = r.t, r.c
    if not r.section("hashtags", "no_hashtags", c.hashtags):
        return
    columns = [
        Column(t("hashtag"), 90, content=True),
        Column(t("posts"), 40, True),
        Column(t("engagements"), 48, True),
    ]
    r.pdf.data_table(columns, [[h.display, r.n(h.posts), r.n(h.engagements)] for h in c.hashtags])
