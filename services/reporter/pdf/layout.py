"""The campaign report drawn with fpdf2: A4 pages, text shaped by HarfBuzz (uharfbuzz).

Direction: every string is drawn with an explicit paragraph direction. Labels
take the report's (right-to-left for ``ar``), quoted content (post texts,
hashtags, session titles, outlets) takes the direction of its first strong
character, URLs are always left-to-right. fpdf2 runs the Unicode bidi
algorithm inside each string, so digits and Latin words sit correctly inside
Arabic lines. For ``ar`` the layout is mirrored: text aligned right, table
columns and cards ordered from the right, charts mirrored (see ``charts.py``).
"""

from __future__ import annotations

import logging
import struct
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF, FPDFException
from fpdf.enums import MethodReturnValue, XPos, YPos

from services.reporter.pdf import charts
from services.reporter.pdf.content import Figures, ReportContent
from services.reporter.pdf.fonts import FONT_FILES
from services.reporter.pdf.labels import (
    COUNTER_WORDS,
    DENOMINATORS,
    LRM,
    NOT_REPORTED,
    RLM,
    Words,
    strong_direction,
)
from shared.metrics import ENGAGEMENT_COUNTERS, RATES

log = logging.getLogger("sada.reporter.pdf")

INK = (34, 34, 34)
MUTED = (110, 110, 110)
ACCENT = (31, 111, 139)
LIGHT = (241, 245, 248)
RULE = (205, 214, 221)
WHITE = (255, 255, 255)
MM_PER_PT = 0.3528


@dataclass(frozen=True)
class Column:
    header: str
    width: float  # mm
    numeric: bool = False
    content: bool = False  # quoted content: drawn in its own direction


@dataclass(frozen=True)
class Span:
    """A cell that covers every remaining column of its row (e.g. "no data received")."""

    text: str


class Document(FPDF):
    """An A4 page with the report's fonts, directions and mirrored drawing helpers."""

    MARGIN = 16.0

    def __init__(self, words: Words):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.words = words
        self.set_margins(self.MARGIN, self.MARGIN, self.MARGIN)
        self.set_auto_page_break(True, margin=18)
        for family, styles in FONT_FILES.items():
            for style, path in styles.items():
                self.add_font(family, style, path)
        self.face = "amiri" if words.rtl else "lato"
        self.scale = 1.12 if words.rtl else 1.0  # Amiri looks smaller than Lato at the same size
        self.set_fallback_fonts(["lato" if words.rtl else "amiri"], exact_match=False)
        self.set_text_shaping(True, direction=self.lang_direction)
        self.set_lang(words.lang)
        self.set_creator("sada")
        self.c_margin = 1.2

    # --- text ---------------------------------------------------------------------------------------
    @property
    def lang_direction(self) -> str:
        return "rtl" if self.words.rtl else "ltr"

    @property
    def width(self) -> float:
        return self.w - self.l_margin - self.r_margin

    def direction(self, text: str, kind: str = "label") -> str:
        """``label``: the report's direction; ``content``: the text's own; ``ltr``: always left-to-right."""
        if kind == "ltr":
            return "ltr"
        if kind == "content":
            return strong_direction(text) or self.lang_direction
        return self.lang_direction

    @staticmethod
    def marked(text: str, direction: str) -> str:
        """A right-to-left text that starts with a neutral sign (``#المغرب_الرقمي``) gets a leading
        right-to-left mark: the sign shows where it belongs anyway, but text extractors such as
        pdftotext need the mark to read it in logical order."""
        if direction == "rtl" and text and unicodedata.bidirectional(text[0]) not in ("R", "AL"):
            return RLM + text
        return text

    def use(self, size: float, style: str = "", colour: tuple[int, int, int] = INK) -> float:
        """Select the face at ``size`` pt (scaled for Amiri); return the line height in mm."""
        size *= self.scale
        self.set_font(self.face, style, size)
        self.set_text_color(*colour)
        return size * MM_PER_PT * (1.75 if self.words.rtl else 1.45)

    def start(self, align: str | None) -> str:
        """The aligned edge of the report's language: L, or R for ``ar`` (mirrored)."""
        if align in ("C", "J"):
            return align
        if align == "end":
            return "L" if self.words.rtl else "R"
        return "R" if self.words.rtl else "L"

    def _text_setup(
        self, text: str, size: float, style: str, colour: tuple[int, int, int], kind: str, align: str | None
    ) -> tuple[str, float, str]:
        """Select the face and shape in the direction ``kind`` gives ``text`` (quoted content marked);
        return the text to draw, the line height and the alignment (``align``, or the default edge)."""
        line = self.use(size, style, colour)
        direction = self.direction(text, kind)
        text = self.marked(text, direction) if kind == "content" else text
        self.set_text_shaping(True, direction=direction)
        if align is None:
            align = ("R" if direction == "rtl" else "L") if kind != "label" else self.start(None)
        return text, line, align

    def para(
        self,
        text: str,
        size: float = 10,
        style: str = "",
        colour=INK,
        kind: str = "label",
        align: str | None = None,
        x: float | None = None,
        w: float | None = None,
        gap: float = 1.5,
        link: str = "",
    ) -> float:
        """A wrapped paragraph at the current y; returns its height."""
        text, line, align = self._text_setup(text, size, style, colour, kind, align)
        w = w if w is not None else self.width
        x = x if x is not None else self.l_margin
        # at most this many lines (a word never fills less than half a line): measure only near the foot
        at_most = (2 * self.get_string_width(text) / (w - 2 * self.c_margin) + text.count("\n") + 2) * line
        if self.get_y() + at_most > self.page_break_trigger:
            height = self.multi_cell(
                w, line, text, align=align, dry_run=True, output=MethodReturnValue.HEIGHT
            )
            if self.get_y() + height > self.page_break_trigger:
                self.add_page()
        self.set_x(x)
        top = self.get_y()
        self.multi_cell(w, line, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT, link=link)
        height = self.get_y() - top
        self.set_text_shaping(True, direction=self.lang_direction)
        self.ln(gap)
        return height

    def text_height(self, text: str, w: float, size: float, style: str = "", kind: str = "label") -> float:
        line = self.use(size, style)
        self.set_text_shaping(True, direction=self.direction(text, kind))
        if self.fits(text, w):
            height = line
        else:
            height = self.multi_cell(w, line, text, dry_run=True, output=MethodReturnValue.HEIGHT)
        self.set_text_shaping(True, direction=self.lang_direction)
        return height

    def fits(self, text: str, w: float) -> bool:
        """One line is enough. (fpdf2's line breaking shapes the line again at each character, so
        a short text is drawn as a single cell: most of a report's texts are.)"""
        return "\n" not in text and self.get_string_width(text) <= w - 2 * self.c_margin - 0.01

    def box_text(
        self,
        x: float,
        y: float,
        w: float,
        text: str,
        size: float,
        style: str = "",
        colour=INK,
        align: str | None = None,
        kind: str = "label",
        link: str = "",
    ) -> float:
        """A wrapped text at (x, y) in a box ``w`` wide; returns its height."""
        text, line, align = self._text_setup(text, size, style, colour, kind, align)
        self.set_xy(x, y)
        if self.fits(text, w):
            self.cell(w, line, text, align=align, link=link)
            height = line
        else:
            height = self.multi_cell(
                w,
                line,
                text,
                align=align,
                new_x=XPos.LEFT,
                new_y=YPos.NEXT,
                link=link,
                output=MethodReturnValue.HEIGHT,
            )
        self.set_text_shaping(True, direction=self.lang_direction)
        return height

    def ensure(self, height: float) -> None:
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()

    def heading(self, text: str, size: float = 15, keep: float = 40) -> None:
        """A section title, kept on one page with the ``keep`` mm that follow it."""
        self.ensure(keep + 16)
        self.ln(2)
        self.para(text, size=size, style="B", colour=ACCENT, gap=0.5)
        y = self.get_y()
        self.set_draw_color(*ACCENT)
        self.set_line_width(0.5)
        self.line(self.l_margin, y, self.w - self.r_margin, y)
        self.ln(3)

    def subheading(self, text: str, keep: float = 20) -> None:
        """A second-level title, kept on one page with the ``keep`` mm that follow it."""
        self.ensure(keep + 10)
        self.ln(1)
        self.para(text, size=11.5, style="B", colour=INK, gap=1)

    def note(self, text: str) -> None:
        self.para(text, size=8.5, colour=MUTED, gap=1)

    def x_of(self, offset: float, w: float, x0: float | None = None, total: float | None = None) -> float:
        """The x of a box ``offset`` mm from the start edge: mirrored for right-to-left."""
        x0 = self.l_margin if x0 is None else x0
        total = self.width if total is None else total
        return x0 + total - offset - w if self.words.rtl else x0 + offset

    # --- tables -------------------------------------------------------------------------------------
    def table(
        self,
        columns: Sequence[Column],
        rows: Sequence[Sequence[str | Span]],
        size: float = 9,
        bold_last: bool = False,
        x0: float | None = None,
    ) -> None:
        """Columns in logical order, laid out from the start edge (right for ``ar``); header repeated
        after a page break; a :class:`Span` covers the row's remaining columns."""
        total = sum(c.width for c in columns)
        offsets = [sum(c.width for c in columns[:i]) for i in range(len(columns))]
        pad = 1.2

        header_size = min(
            self.fitting_size(c.header, c.width - 2 * pad - 2 * self.c_margin, size, "B") for c in columns
        )

        def draw_row(cells: Sequence[str | Span], header: bool = False, bold: bool = False, fill=None):
            style = "B" if header or bold else ""
            row_size = header_size if header else size
            widths = []
            for i, cell in enumerate(cells):
                widths.append(total - offsets[i] if isinstance(cell, Span) else columns[i].width)
            heights = [
                self.text_height(
                    cell.text if isinstance(cell, Span) else cell,
                    widths[i] - 2 * pad,
                    row_size,
                    style,
                    "content" if columns[i].content and not header else "label",
                )
                for i, cell in enumerate(cells)
            ]
            height = max(heights) + 2 * pad
            if self.get_y() + height > self.page_break_trigger:
                self.add_page()
                if not header:
                    draw_row([c.header for c in columns], header=True)
            y = self.get_y()
            if fill:
                self.set_fill_color(*fill)
                self.rect(self.x_of(0, total, x0, total if x0 is not None else None), y, total, height, "F")
            for i, cell in enumerate(cells):
                column = columns[i]
                text = cell.text if isinstance(cell, Span) else cell
                x = self.x_of(offsets[i], widths[i], x0, total if x0 is not None else None)
                if column.numeric and not isinstance(cell, Span):
                    align = self.start("end")
                else:
                    align = self.start(None)
                colour = MUTED if isinstance(cell, Span) else (ACCENT if header else INK)
                self.box_text(
                    x + pad,
                    y + pad,
                    widths[i] - 2 * pad,
                    text,
                    row_size,
                    style,
                    colour,
                    align,
                    "content" if column.content and not header else "label",
                )
            self.set_draw_color(*RULE)
            self.set_line_width(0.2)
            left = self.x_of(0, total, x0, total if x0 is not None else None)
            self.line(left, y + height, left + total, y + height)
            self.set_xy(self.l_margin, y + height)

        self.ensure(20)
        draw_row([c.header for c in columns], header=True)
        for index, row in enumerate(rows):
            bold = bold_last and index == len(rows) - 1
            draw_row(row, bold=bold, fill=LIGHT if index % 2 else None)
        self.ln(2)

    def fitting_size(
        self, text: str, width: float, size: float, style: str = "", smallest: float = 6.5
    ) -> float:
        """``size``, or smaller so that the longest word of ``text`` fits in ``width`` (no word is split)."""
        self.use(size, style)
        longest = max((self.get_string_width(word) for word in text.split()), default=0)
        if longest <= width:
            return size
        return max(smallest, size * width / longest * 0.97)

    def cards(self, items: Sequence[tuple[str, str, str]], per_row: int = 3, height: float = 25) -> None:
        """Headline cards (figure, label, note), laid out from the start edge; a row is as tall as
        its tallest card needs, and at least ``height``."""
        gap = 4.0
        w = (self.width - gap * (per_row - 1)) / per_row
        for first in range(0, len(items), per_row):
            row = items[first : first + per_row]
            needed = max(
                self.text_height(value, w - 6.5, 19, "B")
                + self.text_height(label, w - 6.5, 9, "B")
                + (self.text_height(note, w - 6.5, 8) if note else 0)
                for value, label, note in row
            )
            height = max(height, needed + 5)
            self.ensure(height + gap)
            y = self.get_y()
            for i, (value, label, note) in enumerate(row):
                x = self.x_of(i * (w + gap), w)
                self.set_fill_color(*LIGHT)
                self.set_draw_color(*LIGHT)
                self.rect(x, y, w, height, "F")
                self.set_fill_color(*ACCENT)
                self.rect(x + w - 1.2 if self.words.rtl else x, y, 1.2, height, "F")
                inner = x + 4 if not self.words.rtl else x + 2.5
                used = self.box_text(inner, y + 2.5, w - 6.5, value, 19, "B", ACCENT)
                used += self.box_text(inner, y + 2.5 + used, w - 6.5, label, 9, "B", INK)
                if note:
                    self.box_text(inner, y + 2.5 + used, w - 6.5, note, 8, "", MUTED)
            self.set_xy(self.l_margin, y + height + gap)

    def image_block(self, png: bytes, width_mm: float) -> None:
        width_px, height_px = struct.unpack(">II", png[16:24])  # the PNG header's IHDR
        height = width_mm * height_px / width_px
        self.ensure(height + 2)
        self.image(png, x=self.l_margin + (self.width - width_mm) / 2, y=self.get_y(), w=width_mm, h=height)
        self.set_y(self.get_y() + height + 2)

    def footers(self, title: str) -> None:
        """Page numbers and the event's name at the foot of every page but the cover."""
        pages = self.pages_count
        self.set_auto_page_break(False)
        for number in range(2, pages + 1):
            self.page = number
            self.font_family = ""  # the page's stream may have ended in any font: select ours again
            y = self.h - 12
            self.set_draw_color(*RULE)
            self.set_line_width(0.2)
            self.line(self.l_margin, y - 1.5, self.w - self.r_margin, y - 1.5)
            half = self.width / 2
            self.box_text(self.x_of(0, half), y, half, title, 8, "", MUTED, self.start(None), "content")
            self.box_text(
                self.x_of(half, half),
                y,
                half,
                self.words("page", n=self.words.digits(str(number)), total=self.words.digits(str(pages))),
                8,
                "",
                MUTED,
                self.start("end"),
            )
        self.page = pages


class Report:
    """Draws one :class:`ReportContent` in one language."""

    def __init__(self, content: ReportContent, words: Words, logo: Path | None = None):
        self.c = content
        self.t = words
        self.pdf = Document(words)
        self.logo = logo
        event = content.event
        self.name = event.name(words.lang)
        self.pdf.set_title(f"{words('report')} — {self.name}")
        self.pdf.set_subject(words("subtitle"))

    def render(self) -> bytes:
        self.cover()
        self.pdf.add_page()
        if not self.c.has_data:
            self.pdf.heading(self.t("headline"))
            self.pdf.para(self.t("no_data"), size=12, style="B")
            self.pdf.para(self.t("no_data_detail"), size=10)
            self.platforms()
            self.comparison()
        else:
            self.headline()
            self.platforms()
            self.days()
            self.sessions()
            self.top_posts()
            self.hashtags()
            self.press()
            self.comparison()
        self.methods()
        self.pdf.footers(self.name)
        return bytes(self.pdf.output())

    # --- helpers ------------------------------------------------------------------------------------
    def n(self, value: int | None) -> str:
        return self.t.number(value)

    def pct(self, value: float | None) -> str:
        return self.t.percent(value)

    def denominator(self, figures: Figures, name: str) -> str:
        """A counter that is a rate's denominator: — when 0 (not reported, or zero)."""
        value = figures.totals[name]
        return self.n(value) if value else NOT_REPORTED

    def rate_label(self, name: str) -> str:
        return f"{self.t('rate')} {self.t(name)}"

    def local(self, moment):
        return moment.astimezone(self.c.event.zone)

    # --- pages --------------------------------------------------------------------------------------
    def cover(self) -> None:
        pdf, t, event = self.pdf, self.t, self.c.event
        pdf.add_page()
        pdf.set_fill_color(*ACCENT)
        pdf.rect(0, 0, pdf.w, 9, "F")
        if self.logo is not None:
            try:
                box_w, box_h = 50.0, 24.0
                pdf.image(
                    str(self.logo), x=pdf.x_of(0, box_w), y=18, w=box_w, h=box_h, keep_aspect_ratio=True
                )
            except (OSError, ValueError, FPDFException) as exc:  # a broken logo must not cost the report
                log.warning("report logo %s left out: %s", self.logo, exc)
        pdf.set_y(80)
        pdf.para(t("report"), size=14, style="B", colour=ACCENT, gap=2)
        pdf.para(self.name, size=26, style="B", kind="content", align=pdf.start(None), gap=3)
        pdf.para(t("subtitle"), size=13, colour=MUTED, gap=10)
        rows = []
        if event.start and event.end:
            rows.append(
                (t("dates"), t.date_range(self.local(event.start).date(), self.local(event.end).date()))
            )
        else:
            rows.append((t("dates"), t("dates_unknown")))
        rows.append((t("timezone"), event.timezone))
        rows.append((t("generated"), t.date(self.local(self.c.generated_at))))
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
        if not self.c.has_data:
            pdf.ln(8)
            y = pdf.get_y()
            pdf.set_fill_color(253, 243, 226)
            height = pdf.text_height(t("no_data"), pdf.width - 10, 12, "B") + 8
            pdf.rect(pdf.l_margin, y, pdf.width, height, "F")
            pdf.box_text(pdf.l_margin + 5, y + 4, pdf.width - 10, t("no_data"), 12, "B", (140, 80, 0))

    def headline(self) -> None:
        pdf, t, c = self.pdf, self.t, self.c
        totals, rates = c.figures.totals, c.figures.rates
        pdf.heading(t("headline"))
        if c.best_rate:
            platform, best = c.best_rate
            rate_card = (
                self.pct(best),
                t("rate_on", platform=t.platform(platform)),
                t("all_platforms", rate=self.pct(rates["by_impressions"])),
            )
        else:
            rate_card = (NOT_REPORTED, self.rate_label("by_impressions"), "")
        outlets = f"{t('outlets')}: {self.n(c.press.outlets)}" if c.press.outlets else ""
        pdf.cards(
            [
                self.card(totals["posts"], "posts"),
                self.card(totals["views"], "views"),
                self.card(totals["engagements"], "engagements"),
                rate_card,
                self.card(c.press.articles, "articles_label"),
                self.card(c.press.countries, "countries", outlets),
            ]
        )
        words = self.in_words()
        if words:
            pdf.para(words, size=11, gap=3)

    def card(self, value: int, label: str, note: str = "") -> tuple[str, str, str]:
        """A headline card; a zero shows as "—, none recorded", not as a figure."""
        if not value:
            return NOT_REPORTED, self.t(label), self.t("none_recorded")
        return self.n(value), self.t(label), note

    def in_words(self) -> str:
        """The headline as the seed report words it, from the parts that have figures."""
        t, c = self.t, self.c
        totals = c.figures.totals
        sentences = []
        parts = [
            t(f"words_{key}", n=self.n(totals[key]))
            for key in ("posts", "views", "engagements")
            if totals[key]
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
            press = t("words_press", n=self.n(c.press.articles))
            sentences.append(
                t("words_press_countries", press=press, countries=self.n(c.press.countries))
                if c.press.countries
                else f"{press}."
            )
        return " ".join(sentences)

    def platforms(self) -> None:
        pdf, t, c = self.pdf, self.t, self.c
        if not c.platforms:
            return
        pdf.subheading(t("by_platform"))
        columns = [
            Column(t("platform"), 32),
            Column(t("posts"), 24, True),
            Column(t("impressions"), 27, True),
            Column(t("views"), 25, True),
            Column(t("engagements"), 26, True),
            Column(f"{t('rate_short')} {t('by_impressions')}", 22, True),
            Column(f"{t('rate_short')} {t('by_followers')}", 22, True),
        ]
        rows: list[list] = []
        for entry in c.platforms:
            if entry.figures is None:
                rows.append([t.platform(entry.platform), Span(t("no_platform_data"))])
                continue
            rows.append(self.platform_row(t.platform(entry.platform), entry.figures))
        with_data = [p for p in c.platforms if p.figures is not None]
        if len(with_data) > 1:
            rows.append(self.platform_row(t("total"), c.figures))
        pdf.table(columns, rows, bold_last=len(with_data) > 1)
        if c.has_data:
            pdf.note(t("dash_note"))
        if c.missing_platforms:
            pdf.para(
                t("missing_platforms", platforms=t.join([t.platform(p) for p in c.missing_platforms])),
                size=10,
                style="B",
                colour=(140, 80, 0),
            )

    def platform_row(self, name: str, figures: Figures) -> list[str]:
        totals = figures.totals
        return [
            name,
            self.n(totals["posts"]),
            self.denominator(figures, "impressions"),
            self.denominator(figures, "views"),
            self.n(totals["engagements"]),
            self.pct(figures.rates["by_impressions"]),
            self.pct(figures.rates["by_followers"]),
        ]

    def days(self) -> None:
        pdf, t, c = self.pdf, self.t, self.c
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
            rows.append(
                [t.date(day.date), label, self.n(day.posts), self.n(day.views), self.n(day.engagements)]
            )
        pdf.table(columns, rows)

    def sessions(self) -> None:
        pdf, t, c = self.pdf, self.t, self.c
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
            start, end = self.local(entry.session.start), self.local(entry.session.end)
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
                    self.n(entry.figures.totals["posts"]),
                    self.n(entry.figures.totals["engagements"]),
                ]
            )
        pdf.table(columns, rows)
        pdf.note(t("sessions_note"))

    def top_posts(self) -> None:
        pdf, t, c = self.pdf, self.t, self.c
        pdf.heading(t("top_posts"))
        if not c.top_posts:
            pdf.para(t("no_posts"), colour=MUTED)
            return
        rank_w, figures_w, gap = 9.0, 52.0, 4.0
        body_w = pdf.width - rank_w - figures_w - 2 * gap
        half = figures_w / 2
        for rank, post in enumerate(c.top_posts, start=1):
            text = post.text or t("no_text")
            url = post.url or ""
            figures = [
                (t("engagements"), self.n(post.engagements)),
                (t("views"), self.n(post.views) if post.views else NOT_REPORTED),
                (t("impressions"), self.n(post.impressions) if post.impressions else NOT_REPORTED),
                (f"{t('rate_short')} {t('by_impressions')}", self.pct(post.rate_by_impressions)),
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
            h = self.post_meta(bx, y, body_w, post.platform, post.account)
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

    def post_meta(self, x: float, y: float, w: float, platform: str, account: str | None) -> float:
        """The platform's name in the report's direction, then the account, always left-to-right."""
        pdf = self.pdf
        name = self.t.platform(platform)
        height = pdf.box_text(x, y, w, name, 8.5, "B", MUTED)
        if account:
            pdf.use(8.5, "B")
            used = pdf.get_string_width(name) + 2.5
            if used < w - 10:
                ax = x if self.t.rtl else x + used
                pdf.box_text(ax, y, w - used, account, 8.5, "", MUTED, pdf.start(None), "ltr")
        return height

    def hashtags(self) -> None:
        pdf, t, c = self.pdf, self.t, self.c
        pdf.heading(t("hashtags"))
        if not c.hashtags:
            pdf.para(t("no_hashtags"), colour=MUTED)
            return
        columns = [
            Column(t("hashtag"), 90, content=True),
            Column(t("posts"), 40, True),
            Column(t("engagements"), 48, True),
        ]
        pdf.table(columns, [[h.display, self.n(h.posts), self.n(h.engagements)] for h in c.hashtags])

    def press(self) -> None:
        pdf, t, c = self.pdf, self.t, self.c
        press = c.press
        countries = self.top(press.by_country, t.country)
        outlets = self.top(press.by_outlet, lambda k: k or t("not_given"))
        row_h = pdf.text_height("0", 20, 9) + 2.4
        tables_h = (max(len(countries), len(outlets)) + 1) * row_h + 12
        # the cards and both tables on one page: side-by-side tables cannot break
        pdf.heading(t("press"), keep=tables_h + 28 if press.articles else 20)
        if not press.articles:
            pdf.para(t("no_press"), colour=MUTED)
            return
        pdf.cards(
            [
                (self.n(press.articles), t("articles_label"), ""),
                (self.n(press.outlets), t("outlets"), ""),
                (self.n(press.countries), t("countries"), ""),
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
        pdf.table(
            [Column(t("country"), half - 24, content=True), Column(t("articles"), 24, True)],
            countries,
            x0=pdf.x_of(0, half),
        )
        left_end = pdf.get_y()
        pdf.set_y(top)
        pdf.table(
            [Column(t("outlet"), half - 24, content=True), Column(t("articles"), 24, True)],
            outlets,
            x0=pdf.x_of(half + 6, half),
        )
        pdf.set_y(max(left_end, pdf.get_y()))
        if press.by_day:
            pdf.subheading(t("press_chart"), keep=pdf.width * 2.2 / 7.0)
            event = c.event
            span = (
                (self.local(event.start).date(), self.local(event.end).date())
                if event.start and event.end
                else None
            )
            png = charts.articles_by_day(t, press.by_day, span)
            pdf.image_block(png, pdf.width)
            pdf.note(t("press_note", tz=event.timezone))

    def top(self, counts: list[tuple[str, int]], name, limit: int = 8) -> list[list[str]]:
        rows = [[name(key), self.n(n)] for key, n in counts[:limit]]
        rest = counts[limit:]
        if rest:
            rows.append([self.t("others", n=self.t.digits(str(len(rest)))), self.n(sum(n for _, n in rest))])
        return rows

    def comparison(self) -> None:
        pdf, t, c = self.pdf, self.t, self.c
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
            Column(self.name, 44, True, content=True),
            Column(previous, 44, True, content=True),
            Column(t("change"), 38, True),
        ]
        rows = []
        for key in ("posts", "views", "impressions", "engagements"):
            a, b = now.totals[key], before.totals[key]
            rows.append([t(key), self.n(a), self.n(b), self.change(a, b)])
        for name in ("by_impressions", "by_followers"):
            a, b = now.rates[name], before.rates[name]
            rows.append([self.rate_label(name), self.pct(a), self.pct(b), self.points(a, b)])
        rows.append(
            [
                t("articles_label"),
                self.n(c.press.articles),
                self.n(comparison.before_press),
                self.change(c.press.articles, comparison.before_press),
            ]
        )
        pdf.table(columns, rows)

    def change(self, now: int, before: int) -> str:
        if not before:
            return NOT_REPORTED
        return self.t.percent((now - before) / before, 1, signed=True)

    def points(self, now: float | None, before: float | None) -> str:
        if now is None or before is None:
            return NOT_REPORTED
        diff = (now - before) * 100
        sign = "+" if diff > 0 else "−" if diff < 0 else ""
        if sign and self.t.rtl and not self.t.arabic_digits:
            sign = LRM + sign  # keep "+1.23" together, as in percent()
        return f"{sign}{self.t.decimal(abs(diff), 2)} {self.t('points')}"

    def methods(self) -> None:
        pdf, t, c = self.pdf, self.t, self.c
        pdf.add_page()
        pdf.heading(t("methods"))
        pdf.subheading(t("formulas"))
        parts = " + ".join(COUNTER_WORDS[name][t.lang] for name in ENGAGEMENT_COUNTERS)
        pdf.para(t("engagements_are", parts=parts), size=10, gap=2)
        for name, denominator in RATES.items():
            pdf.para(self.rate_label(name), size=10, style="B", gap=0)
            pdf.para(t("formula", den=DENOMINATORS[denominator][t.lang]), size=10, gap=2)
        pdf.note(t("weighted"))
        pdf.subheading(t("counting"))
        pdf.para(t("counting_text"), size=10)
        pdf.subheading(t("window"))
        if c.window:
            first, last = (self.local(m) for m in c.window)
            pdf.para(
                t("window_text", start=t.moment(first), end=t.moment(last), tz=c.event.timezone), size=10
            )
        else:
            pdf.para(t("window_none"), size=10)
        pdf.subheading(t("sources"))
        if c.sources:
            pdf.para(t("sources_text", platforms=t.join([t.platform(p) for p in c.sources])), size=10)
        if c.press.articles:
            pdf.para(t("sources_press", n=self.n(c.press.articles)), size=10)
        if not c.sources and not c.press.articles:
            pdf.para(t("sources_none"), size=10)
        if c.missing_platforms:
            pdf.para(
                t("missing_platforms", platforms=t.join([t.platform(p) for p in c.missing_platforms])),
                size=10,
            )
        pdf.subheading(t("rejected"))
        pdf.para(t("rejected_text", n=self.n(c.rejected)), size=10)
        pdf.subheading(t("timezone"))
        pdf.para(t("tz_text", tz=c.event.timezone), size=10)


def draw(content: ReportContent, lang: str, logo: Path | None = None, arabic_digits: bool = False) -> bytes:
    return Report(content, Words(lang, arabic_digits), logo).render()
