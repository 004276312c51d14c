"""The typesetting layer of the campaign report: fpdf2 A4 pages, text shaped by HarfBuzz (uharfbuzz),
wrapped paragraphs, tables, headline cards, images and page footers.

Direction: every string is drawn with an explicit paragraph direction. Labels
take the report's (right-to-left for ``ar``), quoted content (post texts,
hashtags, session titles, outlets) takes the direction of its first strong
character, URLs are always left-to-right. fpdf2 runs the Unicode bidi
algorithm inside each string, so digits and Latin words sit correctly inside
Arabic lines. For ``ar`` the layout is mirrored: text aligned right, table
columns and cards ordered from the right, charts mirrored (see ``charts.py``).
Alignment is the report's, whatever a text's own direction: a French post in
an Arabic report is shaped left-to-right but aligned right like the lines
around it (one edge per card and per column). Numeric columns are aligned
right in every language, so that units sit under units (digits run
left-to-right in Arabic too).

Every heading is a PDF bookmark (the outline): level 0 for a section, level 1
for a subsection. A heading is kept on one page with what follows it (its
``keep``: the chart or the first rows of its table).
Nothing here knows what a report says: the sections (``sections/``) do.
"""

from __future__ import annotations

import struct
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos

from services.reporter.pdf.fonts import FONT_FILES
from services.reporter.pdf.words import RLM, Words, strong_direction

INK = (34, 34, 34)
MUTED = (110, 110, 110)
ACCENT = (31, 111, 139)
LIGHT = (241, 245, 248)
RULE = (205, 214, 221)
WHITE = (255, 255, 255)
MM_PER_PT = 0.3528
HEIGHT = MethodReturnValue.HEIGHT  # multi_cell returns the height it takes


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
            align = self.start(None)
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
            height = cast(
                float,
                self.multi_cell(w, line, text, align=align, dry_run=True, output=HEIGHT),
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
            height = cast(float, self.multi_cell(w, line, text, dry_run=True, output=HEIGHT))
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
            height = cast(
                float,
                self.multi_cell(
                    w,
                    line,
                    text,
                    align=align,
                    new_x=XPos.LEFT,
                    new_y=YPos.NEXT,
                    link=link,
                    output=HEIGHT,
                ),
            )
        self.set_text_shaping(True, direction=self.lang_direction)
        return height

    def ensure(self, height: float) -> None:
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()

    def row_height(self, size: float = 9) -> float:
        """The height of a one-line table row at ``size`` pt (see :meth:`data_table`)."""
        return size * self.scale * MM_PER_PT * (1.75 if self.words.rtl else 1.45) + 2 * 1.2

    def table_keep(self, rows: int, size: float = 9, at_least: int = 3) -> float:
        """What a heading keeps with its table: the header and ``at_least`` rows (the whole table
        when it has no more)."""
        return (min(rows, at_least) + 1) * self.row_height(size) + 2

    def heading(self, text: str, size: float = 15, keep: float = 40) -> None:
        """A section title and bookmark, kept on one page with the ``keep`` mm that follow it."""
        self.ensure(keep + 16)
        self.ln(2)
        self.start_section(text, level=0, strict=False)
        self.para(text, size=size, style="B", colour=ACCENT, gap=0.5)
        y = self.get_y()
        self.set_draw_color(*ACCENT)
        self.set_line_width(0.5)
        self.line(self.l_margin, y, self.w - self.r_margin, y)
        self.ln(3)

    def subheading(self, text: str, keep: float = 20) -> None:
        """A second-level title and bookmark, kept on one page with the ``keep`` mm that follow it."""
        self.ensure(keep + 10)
        self.ln(1)
        self.start_section(text, level=1, strict=False)
        self.para(text, size=11.5, style="B", colour=INK, gap=1)

    def note(self, text: str) -> None:
        self.para(text, size=8.5, colour=MUTED, gap=1)

    def x_of(self, offset: float, w: float, x0: float | None = None, total: float | None = None) -> float:
        """The x of a box ``offset`` mm from the start edge: mirrored for right-to-left."""
        x0 = self.l_margin if x0 is None else x0
        total = self.width if total is None else total
        return x0 + total - offset - w if self.words.rtl else x0 + offset

    # --- tables -------------------------------------------------------------------------------------
    def data_table(
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
                # numbers aligned right, in Arabic too: place values line up
                align = "R" if column.numeric and not isinstance(cell, Span) else self.start(None)
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
