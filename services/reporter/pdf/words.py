"""A report's words in one language (from the catalogue ``services/reporter/labels``), and
numbers and dates as each language writes them. Numbers:

- ``en``: 314,000 · 9.84% · 26 October 2022
- ``fr``: 314 000 (narrow no-break space U+202F) · 9,84 % · 26 octobre 2022
- ``ar``: 314٬000 · 9٫84% (Western digits, the default) or, with ``arabic_digits``,
  ٣١٤٬٠٠٠ · ٩٫٨٤٪ (Arabic-Indic digits); Arabic separators with either

The Arabic report separates with U+066C (٬, thousands) and U+066B (٫, decimal) whatever its
digits: Amiri, its face, draws the full stop as a heavy round dot at mid height ("9.84%" read
as "9•84%"), and draws ٫ like a low comma, which beside a Latin thousands comma ("123,000")
would read as one; ٬ is a raised comma, so the two stay apart. They are the separators Arabic
readers know (CLDR's ``ar`` with Arabic-Indic digits), and a copy of the text keeps each as one
character. Ranges are written in words in Arabic ("من
15:00 إلى 17:00"): a dash between two times is reordered by the bidi algorithm and read
backwards.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from services.reporter.labels import CATALOGUE, t
from shared.registry import LANGS

RTL_LANGS = frozenset({"ar"})
NNBSP = "\u202f"  # narrow no-break space: French thousands and "9,84 %"
NBSP = "\u00a0"
LRM = "\u200e"  # left-to-right mark
RLM = "\u200f"  # right-to-left mark
ALM = "\u061c"  # Arabic letter mark
ARABIC_DECIMAL = "\u066b"  # ٫
ARABIC_THOUSANDS = "\u066c"  # ٬
BIDI_MARKS = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
NOT_REPORTED = "—"

_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


class Words:
    """The labels, numbers and dates of one report language."""

    def __init__(self, lang: str, arabic_digits: bool = False):
        if lang not in LANGS:
            raise ValueError(f"unknown report language {lang!r}; expected one of {', '.join(LANGS)}")
        self.lang = lang
        self.rtl = lang in RTL_LANGS
        self.arabic_digits = arabic_digits and lang == "ar"

    def __call__(self, key: str, **values: object) -> str:
        return t(key, self.lang, **values)

    def digits(self, text: str) -> str:
        return text.translate(_ARABIC_INDIC) if self.arabic_digits else text

    def number(self, value: int | None) -> str:
        """314,000 (en) · 314 000 (fr) · 314٬000 (ar) · ٣١٤٬٠٠٠ (ar with Arabic digits)."""
        if value is None:
            return NOT_REPORTED
        text = f"{value:,}"
        if self.lang == "fr":
            return text.replace(",", NNBSP)
        if self.lang == "ar":
            return self.digits(text.replace(",", ARABIC_THOUSANDS))
        return text

    def decimal(self, value: float, places: int = 2) -> str:
        text = f"{value:,.{places}f}"
        if self.lang == "fr":
            return text.replace(",", NNBSP).replace(".", ",")
        if self.lang == "ar":
            return self.digits(text.replace(",", ARABIC_THOUSANDS).replace(".", ARABIC_DECIMAL))
        return text

    def percent(self, fraction: float | None, places: int = 2, signed: bool = False) -> str:
        """9.84% (en) · 9,84 % (fr) · 9٫84% (ar) or ٩٫٨٤٪ (ar with Arabic digits); — when unknown.

        In Arabic text Western digits after Arabic letters are Arabic numbers to the
        bidi algorithm, which would put a plain % on their left; as in CLDR's ``ar``
        locale, left-to-right marks around the % (and before a sign) keep "9.84%"
        in one left-to-right run. With Arabic digits the sign is ٪ followed by the
        Arabic letter mark, and reads after the number, to its left, as CLDR has it.
        """
        if fraction is None:
            return NOT_REPORTED
        text = self.decimal(abs(fraction) * 100, places)
        sign = (
            ("+" if fraction > 0 else "−" if fraction < 0 else "")
            if signed
            else ("−" if fraction < 0 else "")
        )
        if self.lang == "fr":
            return f"{sign}{text}{NNBSP}%"
        if self.arabic_digits:
            return f"{sign}{text}٪{ALM}"
        if self.lang == "ar":
            return f"{LRM + sign if sign else ''}{text}{LRM}%{LRM}"
        return f"{sign}{text}%"

    def signed_number(self, value: int) -> str:
        sign = "+" if value > 0 else "−" if value < 0 else ""
        return (LRM if sign and self.lang == "ar" else "") + sign + self.number(abs(value))

    def month(self, month: int, short: bool = False) -> str:
        return self(f"month_short.{month}" if short else f"month.{month}")

    def date(self, day: dt.date, year: bool = True, short: bool = False) -> str:
        text = f"{day.day} {self.month(day.month, short)}"
        if year:
            text += f" {day.year}"
        return self.digits(text)

    def time(self, moment: dt.datetime) -> str:
        return self.digits(moment.strftime("%H:%M"))

    def time_range(self, start: dt.datetime, end: dt.datetime) -> str:
        """15:00–17:00 · de 15:00 à 17:00 · من 15:00 إلى 17:00"""
        return self("time_range", start=self.time(start), end=self.time(end))

    def language(self, code: str) -> str:
        """The marker of a text shown in another language than the report's: "(in French)"."""
        return self(f"in_lang.{code}")

    def moment(self, moment: dt.datetime) -> str:
        return f"{self.date(moment)} {self.time(moment)}"

    def date_range(self, start: dt.date, end: dt.date) -> str:
        if start == end:
            return self.date(start)
        if (start.year, start.month) == (end.year, end.month):
            first = self.digits(str(start.day))
        elif start.year == end.year:
            first = self.date(start, year=False)
        else:
            first = self.date(start)
        return self("date_range", start=first, end=self.date(end))

    def platform(self, platform: str) -> str:
        return CATALOGUE[self.lang].get(f"platform.{platform}", platform)

    def country(self, code: str) -> str:
        if not code:
            return self("not_given")
        return CATALOGUE[self.lang].get(f"country.{code.upper()}", code)

    def join(self, items: list[str]) -> str:
        """a, b and c · a, b et c · أ وب وج"""
        if not items:
            return ""
        if self.lang == "ar":
            return " و".join(items)
        if len(items) == 1:
            return items[0]
        return ", ".join(items[:-1]) + self("and") + items[-1]


def strong_direction(text: str) -> str | None:
    """``"rtl"`` or ``"ltr"`` after the first strongly directional character, ``None`` without one."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return None
