"""The post-event campaign report as a PDF, in Arabic, French or English (DESIGN §1, §5).

``content.gather`` reads the figures from the store into plain data;
``layout.draw`` sets them on A4 pages with fpdf2 (``labels`` holds the words
and number formats, ``charts`` the matplotlib charts). :func:`render_report`
does both.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from shared.extras import require

if TYPE_CHECKING:
    from shared.registry import Event
    from shared.store import Store


def render_report(
    store: Store,
    event: Event,
    lang: str = "en",
    previous: Event | None = None,
    *,
    logo: Path | None = None,
    arabic_digits: bool = False,
    pictures: Path | None = None,
) -> bytes:
    """The campaign report of ``event`` in ``lang`` (``ar``, ``fr``, ``en``), as PDF bytes.

    ``previous`` adds a comparison with that edition. ``logo`` is the cover's logo when the
    registry gives the event none. ``arabic_digits`` writes an Arabic report with Arabic-Indic
    digits (Western digits by default). ``pictures``, a cache folder, lets the top posts show
    their pictures (``images.py``); None leaves them out without fetching anything.
    """
    require("pdf")
    from services.reporter.pdf.content import gather
    from services.reporter.pdf.layout import draw

    return draw(gather(store, event, previous, pictures=pictures), lang, logo, arabic_digits)


def render_reports(
    store: Store,
    event: Event,
    langs: list[str],
    previous: Event | None = None,
    *,
    logo: Path | None = None,
    arabic_digits: bool = False,
    pictures: Path | None = None,
) -> dict[str, bytes]:
    """One report per language from a single reading of the store."""
    require("pdf")
    from services.reporter.pdf.content import gather
    from services.reporter.pdf.layout import draw

    content = gather(store, event, previous, pictures=pictures)
    return {lang: draw(content, lang, logo, arabic_digits) for lang in langs}
