"""One report being drawn: its content, its words, its document, and the helpers every section
uses to write figures (numbers, percentages, rates, local times)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from services.reporter.figures import Figures
from services.reporter.pdf.content import ReportContent
from services.reporter.pdf.document import MUTED, Document
from services.reporter.pdf.words import NOT_REPORTED, Words


class Report:
    """One :class:`ReportContent` drawn in one language (the sections are in ``sections/``)."""

    def __init__(self, content: ReportContent, words: Words, logo: Path | None = None):
        self.c = content
        self.t = words
        self.pdf = Document(words)
        self.logo = logo
        event = content.event
        self.name = event.name(words.lang)
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
        return f"{self.t('rate')} {self.t(f'qualifier.{name}')}"

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.c.event.zone)

    def section(self, title: str, empty: str, content: object, keep: float = 40) -> bool:
        """The heading ``title`` (a label key); with no ``content``, the muted ``empty`` line under it.
        True when there is content to draw."""
        self.pdf.heading(self.t(title), keep=keep)
        if not content:
            self.pdf.para(self.t(empty), colour=MUTED)
        return bool(content)
