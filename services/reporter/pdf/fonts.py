"""The report's fonts, from PyPI packages (SIL Open Font License).

Amiri (``fontpkg-amiri``) sets Arabic, and everything in an Arabic report:
with it ``pdftotext`` extracts Arabic exactly. Lato (``fontpkg-lato``, static
TTF files that fpdf2 embeds as they are) sets French and English, and stands in
for the few signs Amiri lacks (Σ, ≥). Each is the other's fallback, so an Arabic
post quoted in an English report is still set in Amiri.
"""

from __future__ import annotations

from pathlib import Path

import fontpkg_amiri
import fontpkg_lato

FONT_FILES: dict[str, dict[str, Path]] = {
    "amiri": {
        "": Path(fontpkg_amiri.ROOT, "files", "Amiri-Regular.ttf"),
        "B": Path(fontpkg_amiri.ROOT, "files", "Amiri-Bold.ttf"),
    },
    "lato": {
        "": Path(fontpkg_lato.ROOT, "files", "Lato-Regular.ttf"),
        "B": Path(fontpkg_lato.ROOT, "files", "Lato-Bold.ttf"),
    },
}
