"""The social media sections: engagement by day, agenda sessions, top posts, hashtags.

A top post shows the rates its platform reports a denominator for (by impressions on LinkedIn
and X, by views on Facebook and YouTube in the demo; DESIGN §4) and never "—" for the others;
its picture when it has one (``images.py``); its platform in that platform's colour
(``services/reporter/colours.py``).
"""

from __future__ import annotations

import io

from services.reporter.colours import colour, rgb
from services.reporter.pdf import charts
from services.reporter.pdf.content import TopPost
from services.reporter.pdf.document import ACCENT, INK, MUTED, RULE, WHITE, Column
from services.reporter.pdf.report import Report
from services.reporter.pdf.words import NOT_REPORTED
from shared.metrics import RATES


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
    pdf.subheading(t("days_table"), keep=pdf.table_keep(len(c.days), at_least=8))
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
    pdf.subheading(t("sessions_title"), keep=pdf.table_keep(len(c.sessions), at_least=5))
    if not c.event.agenda:
        pdf.para(t("no_agenda"), colour=MUTED)
        return
    if not c.sessions:
        pdf.para(t("no_session_posts"), colour=MUTED)
        return
    columns = [
        Column(t("session"), 54, content=True),
        Column(t("time"), 48),
        Column(t("room"), 30, content=True),
        Column(t("posts"), 20, True),
        Column(t("engagements"), 26, True),
    ]
    rows = []
    for entry in c.sessions:
        start, end = r.local(entry.session.start), r.local(entry.session.end)
        when = f"{t.date(start, year=False)}{'،' if t.rtl else ','} {t.time_range(start, end)}"
        rows.append(
            [
                r.session_title(entry.session),
                when,
                entry.session.room or NOT_REPORTED,
                r.n(entry.figures.totals["posts"]),
                r.n(entry.figures.totals["engagements"]),
            ]
        )
    pdf.data_table(columns, rows)
    pdf.note(t("sessions_note"))


PICTURE_W = 26.0  # mm: a post's picture, at most this wide and this tall


def post_figures(r: Report, post: TopPost) -> list[tuple[str, str]]:
    """Engagements, then the counters and the rates the post's platform reports: a rate whose
    denominator is unknown is left out, not shown as "—"."""
    t = r.t
    figures = [(t("engagements"), r.n(post.engagements))]
    if post.impressions:
        figures.append((t("impressions"), r.n(post.impressions)))
    if post.views:
        figures.append((t("views"), r.n(post.views)))
    for name in RATES:
        rate = post.rates.get(name)
        if rate is not None and name != "by_followers":  # a post's followers is its account's
            figures.append((r.rate_short(name), r.pct(rate)))
    return figures


def top_posts(r: Report) -> None:
    """Each post as a card: its rank, platform, account, date, text and link, its picture, and its
    figures as a list (label, then the value aligned on its units)."""
    pdf, t, c = r.pdf, r.t, r.c
    if not r.section("top_posts", "no_posts", c.top_posts, keep=32):
        return
    pdf.note(t("top_posts_note"))
    pdf.ln(1)
    rank_w, figures_w, value_w, gap = 9.0, 58.0, 19.0, 4.0
    label_w = figures_w - value_w
    for rank, post in enumerate(c.top_posts, start=1):
        text = post.text or t("no_text")
        url = post.url or ""
        picture = picture_size(post.picture) if post.picture else None
        body_w = pdf.width - rank_w - figures_w - 2 * gap - (PICTURE_W + gap if picture else 0)
        figures = post_figures(r, post)
        rows_h = [
            max(pdf.text_height(label, label_w, 7.5), pdf.text_height(value, value_w, 9, "B"))
            for label, value in figures
        ]
        meta = post_meta_text(r, post)
        body_h = (
            pdf.text_height(meta, body_w, 8.5, "B")
            + pdf.text_height(text, body_w, 10, "", "content")
            + (pdf.text_height(url, body_w, 8, "", "ltr") if url else 0)
            + 2
        )
        height = max(body_h, sum(rows_h), picture[1] + 1 if picture else 0, 9)
        pdf.ensure(height + 5)
        y = pdf.get_y()
        pdf.set_fill_color(*ACCENT)
        rx = pdf.x_of(0, rank_w)
        pdf.rect(rx + (1.5 if t.rtl else 0), y + 0.5, rank_w - 1.5, 7, "F")
        pdf.box_text(
            rx + (1.5 if t.rtl else 0), y + 1.2, rank_w - 1.5, t.digits(str(rank)), 10, "B", WHITE, "C"
        )
        bx = pdf.x_of(rank_w + gap, body_w)
        h = post_meta(r, bx, y, body_w, post)
        h += pdf.box_text(bx, y + h + 0.5, body_w, text, 10, "", INK, kind="content") + 0.5
        if url:
            pdf.box_text(bx, y + h + 0.5, body_w, url, 8, "", ACCENT, pdf.start(None), "ltr", link=url)
        if picture and post.picture:
            px = pdf.x_of(rank_w + body_w + 2 * gap, PICTURE_W)
            w, h = picture
            pdf.image(io.BytesIO(post.picture), x=px + (PICTURE_W - w) / 2, y=y + 0.5, w=w, h=h)
        fx = pdf.x_of(pdf.width - figures_w, figures_w)
        cy = y
        for (label, value), row_h in zip(figures, rows_h, strict=True):
            pdf.box_text(pdf.x_of(0, label_w, fx, figures_w), cy + 0.6, label_w, label, 7.5, "", MUTED)
            pdf.box_text(pdf.x_of(label_w, value_w, fx, figures_w), cy, value_w, value, 9, "B", INK, "R")
            cy += row_h
        bottom = y + height + 1.5
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.2)
        pdf.line(pdf.l_margin, bottom, pdf.w - pdf.r_margin, bottom)
        pdf.set_xy(pdf.l_margin, bottom + 2.5)


def picture_size(jpeg: bytes) -> tuple[float, float]:
    """The picture's size on the page (mm): at most :data:`PICTURE_W` on either side."""
    from PIL import Image

    with Image.open(io.BytesIO(jpeg)) as image:
        width, height = image.size
    scale = PICTURE_W / max(width, height)
    return width * scale, height * scale


def post_meta_text(r: Report, post: TopPost) -> str:
    return " · ".join(
        part for part in (r.t.platform(post.platform), post.account, post_date(r, post)) if part
    )


def post_date(r: Report, post: TopPost) -> str:
    if post.created_at is None:
        return ""
    local = r.local(post.created_at)
    return f"{r.t.date(local, year=False, short=True)} {r.t.time(local)}"


def post_meta(r: Report, x: float, y: float, w: float, post: TopPost) -> float:
    """A square of the platform's colour, its name in the report's direction, then the account
    (always left-to-right) and the date of publication."""
    pdf, t = r.pdf, r.t
    red, green, blue = (round(v * 255) for v in rgb(colour(post.platform)))
    pdf.set_fill_color(red, green, blue)
    pdf.rect(pdf.x_of(0, 2.6, x, w), y + 1.3, 2.6, 2.6, "F")
    name = t.platform(post.platform)
    height = pdf.box_text(pdf.x_of(3.6, w - 3.6, x, w), y, w - 3.6, name, 8.5, "B", (red, green, blue))
    pdf.use(8.5, "B")
    used = 3.6 + pdf.get_string_width(name) + 2.5
    rest = " · ".join(part for part in (post.account, post_date(r, post)) if part)
    if rest and used < w - 10:
        pdf.box_text(
            pdf.x_of(used, w - used, x, w), y, w - used, rest, 8.5, "", MUTED, pdf.start(None), "content"
        )
    return height


def hashtags(r: Report) -> None:
    t, c = r.t, r.c
    if not r.section("hashtags", "no_hashtags", c.hashtags, keep=r.pdf.table_keep(len(c.hashtags))):
        return
    columns = [
        Column(t("hashtag"), 90, content=True),
        Column(t("posts"), 40, True),
        Column(t("engagements"), 48, True),
    ]
    r.pdf.data_table(columns, [[h.display, r.n(h.posts), r.n(h.engagements)] for h in c.hashtags])
