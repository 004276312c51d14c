"""The campaign report's order of sections: :func:`draw` sets a :class:`ReportContent` on A4 pages.

The typesetting is in ``document.py``, the words in ``words.py`` (from the
catalogue ``services/reporter/labels``), each section in ``sections/``.
"""

from __future__ import annotations

from pathlib import Path

from services.reporter.pdf.content import ReportContent
from services.reporter.pdf.report import Report
from services.reporter.pdf.sections import front, methods, press, social
from services.reporter.pdf.words import Words


def draw(content: ReportContent, lang: str, logo: Path | None = None, arabic_digits: bool = False) -> bytes:
    """The report of ``content`` in ``lang``, as PDF bytes."""
    report = Report(content, Words(lang, arabic_digits), logo)
    front.cover(report)
    report.pdf.add_page()
    if not content.has_data:
        report.pdf.heading(report.t("headline"))
        report.pdf.para(report.t("no_data"), size=12, style="B")
        report.pdf.para(report.t("no_data_detail"), size=10)
        front.platforms(report)
        press.comparison(report)
    else:
        front.headline(report)
        front.platforms(report)
        social.days(report)
        social.sessions(report)
        social.top_posts(report)
        social.hashtags(report)
        press.press(report)
        press.comparison(report)
    methods.methods(report)
    report.pdf.footers(report.name)
    return bytes(report.pdf.output())
