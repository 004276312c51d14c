"""One report being drawn: its content, its words, its document, and the helpers every section
uses to write figures (numbers, percentages, rates, local times).

It also notes which rates the sections showed (:attr:`Report.shown_rates`), so that the methods
page, drawn last, defines those and only those, and marks a name the registry gives only in
another language ("AUSIM Congress 2024 (in English)" in an Arabic report)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from services.reporter.figures import Figures
from services.reporter.pdf.content import ReportContent
from services.reporter.pdf.document import MUTED, Document
from services.reporter.pdf.words import NOT_REPORTED, Words
from shared.metrics import RATES
from shared.registry import Session


class Report:
    """One :class:`ReportContent` drawn in one language (the sections are in ``sections/``)."""

    def __init__(self, content: ReportContent, words: Words, logo: Path | None = None):
        self.c = content
        self.t = words
        self.pdf = Document(words)
        event = content.event
        self.logo = event.logo or logo
        self.name = event.name(words.lang)
        self.shown_rates: set[str] = set()
        self.pdf.set_title(f"{words('report')} — {self.name}")
        self.pdf.set_subject(words("subtitle"))

    def n(self, value: int | None) -> str:
        return self.t.number(value)

    def pct(self, value: float | None) -> str:
        return self.t.percent(value)

    def denominator(self, figures: Figures, name: str) -> str:
        """A counter that is a rate's denominator: — when 0 (not reported, or zero)."""
        value = figures.totals[name]
        return self.n(value) if value else NOT_REPORTED

    def rate_label(self, name: str) -> str:
        self.shown_rates.add(name)
        return f"{self.t('rate')} {self.t(f'qualifier.{name}')}"

    def rate_short(self, name: str) -> str:
        """ "Rate by impressions": a column's or a figure's label (noted as shown)."""
        self.shown_rates.add(name)
        return f"{self.t('rate_short')} {self.t(f'qualifier.{name}')}"

    @property
    def rates_shown(self) -> list[str]:
        """The rates the report showed so far, in the order of ``shared.metrics.RATES``."""
        return [name for name in RATES if name in self.shown_rates]

    def marked(self, text: str, written_in: str | None) -> str:
        """``text``, followed by "(in French)" when it is written in another language than the
        report's."""
        if written_in is None or written_in == self.t.lang:
            return text
        return f"{text} {self.t.language(written_in)}"

    @property
    def title(self) -> str:
        """The event's name, marked when the registry gives it only in another language."""
        return self.marked(self.name, self.c.event.name_lang(self.t.lang))

    def session_title(self, session: Session) -> str:
        return self.marked(session.title(self.t.lang), session.title_lang(self.t.lang))

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.c.event.zone)

    def section(self, title: str, empty: str, content: object, keep: float = 40) -> bool:
        """The heading ``title`` (a label key); with no ``content``, the muted ``empty`` line under it.
        True when there is content to draw."""
        self.pdf.heading(self.t(title), keep=keep)
        if not content:
            self.pdf.para(self.t(empty), colour=MUTED)
        return bool(content)
