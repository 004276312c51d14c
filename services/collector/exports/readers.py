"""From an uploaded file to numbered rows of cells, whatever its container.

Every export can reach us as CSV (what the platforms download), XLSX (the
LinkedIn export, or any file someone opened and saved in a spreadsheet) or
legacy XLS; after this module the importers see only ``(row number, cells)``
with the row numbers a person sees in the file, so a skipped row can be found.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

import openpyxl
import xlrd
from openpyxl.utils.exceptions import InvalidFileException

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The sheet of the LinkedIn page content export; other workbooks are read sheet by sheet.
PREFERRED_SHEET = "all posts"


class UnreadableFile(ValueError):
    """The file as a whole cannot be read (not one bad row)."""


class TooManyCells(UnreadableFile):
    """The file holds (or declares) more cells than ``SADA_MAX_IMPORT_CELLS``."""


class Budget:
    """The cells a file may cost to read, empty ones included: an empty row costs one cell,
    so a sheet declaring a million rows costs a million whatever it holds. ``None``: no bound
    (``sada ingest`` reading its own file)."""

    def __init__(self, max_cells: int | None):
        self.max_cells = max_cells
        self.spent = 0

    def spend(self, cells: int) -> None:
        self.spent += max(cells, 1)
        if self.max_cells is not None and self.spent > self.max_cells:
            raise TooManyCells(
                f"the file holds more than {self.max_cells} cells, empty ones included "
                "(SADA_MAX_IMPORT_CELLS); split it, or delete the empty rows and columns "
                "a spreadsheet may have kept"
            )

    def rows(self, rows: Iterable[Iterable[object]], first: int = 1) -> list[tuple[int, list[object]]]:
        """``rows`` numbered from ``first``, read only as far as the budget goes."""
        kept = []
        for number, values in enumerate(rows, start=first):
            cells = list(values)
            self.spend(len(cells))
            kept.append((number, cells))
        return kept


@dataclass(frozen=True)
class Sheet:
    name: str
    rows: list[tuple[int, list[object]]]


def container(body: bytes) -> str:
    """``xlsx``, ``xls``, ``ndjson`` or ``csv``, from the first bytes."""
    if body.startswith(XLSX_MAGIC):
        return "xlsx"
    if body.startswith(XLS_MAGIC):
        return "xls"
    if body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return "ndjson"
    return "csv"


def sheets(body: bytes, max_cells: int | None = None) -> list[Sheet]:
    """Every sheet of the file, the LinkedIn "All posts" sheet first; a CSV is one sheet.
    Raises :class:`TooManyCells` past ``max_cells`` cells over all sheets."""
    kind = container(body)
    budget = Budget(max_cells)
    if kind == "xlsx":
        found = _xlsx(body, budget)
    elif kind == "xls":
        found = _xls(body, budget)
    else:
        found = [Sheet("csv", _csv(body, budget))]
    return sorted(found, key=lambda sheet: sheet.name.strip().lower() != PREFERRED_SHEET)


def decode(body: bytes) -> str:
    """UTF-8 with or without a BOM (Meta writes one), or UTF-16 with its BOM."""
    encoding = "utf-16" if body.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
    try:
        return body.decode(encoding)
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            f"the file is not UTF-8 text (byte {exc.start}); export it again as CSV UTF-8, or send the .xlsx"
        ) from None


def _csv(body: bytes, budget: Budget) -> list[tuple[int, list[object]]]:
    """Rows numbered by the line they start on; a quoted cell may span lines."""
    text = decode(body)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start, rows = 1, []
    try:
        for cells in reader:
            budget.spend(len(cells))
            rows.append((start, list[object](cells)))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise UnreadableFile(f"line {reader.line_num}: the CSV cannot be read: {exc}") from None
    return rows


def _xlsx(body: bytes, budget: Budget) -> list[Sheet]:
    try:
        book = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        raise UnreadableFile(f"the .xlsx workbook cannot be opened: {exc}") from None
    try:
        found = []
        for sheet in book.worksheets:
            # The declared dimension is the writer's word (A1:XFD1048576 pads every row to
            # 16,384 cells): read the cells the sheet holds, and only as far as the budget goes.
            sheet.reset_dimensions()
            found.append(Sheet(sheet.title, budget.rows(sheet.iter_rows(min_row=1, values_only=True))))
        return found
    except TooManyCells:
        raise
    except (ValueError, OverflowError) as exc:  # a cell openpyxl cannot convert (a date past 9999)
        raise UnreadableFile(f"the .xlsx workbook cannot be read: {exc}") from None
    finally:
        book.close()


def _xls(body: bytes, budget: Budget) -> list[Sheet]:
    try:
        book = xlrd.open_workbook(file_contents=body)
    except (xlrd.XLRDError, xlrd.compdoc.CompDocError) as exc:
        raise UnreadableFile(
            f"the .xls workbook cannot be opened ({exc}); save it as .xlsx and send that"
        ) from None
    for sheet in book.sheets():
        budget.spend(sheet.nrows * sheet.ncols)  # xlrd has read them all: refuse before converting
    try:
        return [
            Sheet(
                sheet.name,
                [
                    (number + 1, [_xls_value(cell, book.datemode) for cell in sheet.row(number)])
                    for number in range(sheet.nrows)
                ],
            )
            for sheet in book.sheets()
        ]
    except (ValueError, OverflowError) as exc:  # a date cell past year 9999, among others
        raise UnreadableFile(f"the .xls workbook cannot be read: {exc}") from None


def _xls_value(cell: xlrd.sheet.Cell, datemode: int) -> object:
    """XLS stores dates as day numbers; turn them into datetimes like openpyxl does."""
    if cell.ctype == xlrd.XL_CELL_DATE:
        return xlrd.xldate_as_datetime(cell.value, datemode)
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    return cell.value
