"""Which export a file is: by the names in its header row, wherever that row is.

Without ``format=``, every known layout is tried on each of the first rows of
each sheet; the first row that holds some layout's required columns is the
header. Two layouts matching the same row are told apart by how many of their
columns the row has; a true tie is refused rather than guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.collector.exports import linkedin, meta, readers, x, youtube
from services.collector.exports.layout import Header, Layout, normalise
from services.collector.exports.readers import Sheet

LAYOUTS: tuple[Layout, ...] = (x.LAYOUT, linkedin.LAYOUT, meta.FACEBOOK, meta.INSTAGRAM, youtube.LAYOUT)
BY_NAME = {layout.name: layout for layout in LAYOUTS}
# LinkedIn puts a description above its header; nobody puts thirty lines.
HEADER_SEARCH_ROWS = 30


class NotDetected(ValueError):
    """No header of a known (or the requested) export was found."""


@dataclass(frozen=True)
class Found:
    layout: Layout
    header: Header
    sheet: Sheet

    def data_rows(self) -> list[tuple[int, list[object]]]:
        return [(number, cells) for number, cells in self.sheet.rows if number > self.header.row]


def find(sheets: list[Sheet], wanted: Layout | None = None) -> Found:
    """The header of ``wanted``, or of whichever known layout the file has."""
    candidates = (wanted,) if wanted else LAYOUTS
    for sheet in sheets:
        for number, values in sheet.rows[:HEADER_SEARCH_ROWS]:
            matches = sorted(
                (
                    (len(header.columns), layout.name, layout, header)
                    for layout in candidates
                    if (header := layout.match(number, values))
                ),
                reverse=True,
            )
            if len(matches) > 1 and matches[0][0] == matches[1][0]:
                raise NotDetected(
                    f"row {number} fits both the {matches[0][2].title} and the "
                    f"{matches[1][2].title}; pass format={matches[0][1]} or "
                    f"format={matches[1][1]}"
                )
            if matches:
                return Found(matches[0][2], matches[0][3], sheet)
    if wanted:
        raise NotDetected(
            f"no {wanted.title} header in the first {HEADER_SEARCH_ROWS} rows: it needs "
            f"{', '.join(wanted.missing(_likeliest_header(sheets, wanted)))}"
        )
    raise NotDetected(
        f"no known export header in the first {HEADER_SEARCH_ROWS} rows; sada reads "
        f"{', '.join(layout.title for layout in LAYOUTS)} and NDJSON. Pass format= "
        f"({', '.join(BY_NAME)}) to be told which columns are missing"
    )


def _likeliest_header(sheets: list[Sheet], layout: Layout) -> list[object]:
    """The row with the most of the layout's header names, to say what the rest lacks."""
    known = {alias for aliases in layout.columns.values() for alias in aliases}
    rows = [values for sheet in sheets for _, values in sheet.rows[:HEADER_SEARCH_ROWS]]
    return max(rows, key=lambda values: len(known.intersection(map(normalise, values))), default=[])


def is_export(body: bytes) -> bool:
    """A workbook, or text whose header is a known export's: what ``sada ingest`` sends to
    the import endpoint when the file name does not say (anything else stays NDJSON)."""
    kind = readers.container(body)
    if kind != "csv":
        return kind != "ndjson"
    try:
        find(readers.sheets(body))
    except (readers.UnreadableFile, NotDetected):
        return False
    return True
