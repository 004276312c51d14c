"""One uploaded file → an :class:`Intake` for the publisher, and the account of every row.

A data row either becomes records (a post and a metrics snapshot), or is
skipped with its row number and reason: a summary row ("Total", "Lifetime")
is skipped and nothing else, a row holding data that cannot be read is also
sent to the dead-letter topic (as a CSV line), like any rejected record.
A row whose records fail format v1 validation is skipped whole, so a post is
never stored without its snapshot or the other way round.

Before the rows become records, their post ids go through the import's ``rename``
(:mod:`services.collector.aliases`: a LinkedIn activity URN → the API's post URN); what it
could not rename is said in the answer's ``notes``.

The answer names every column of the file that no record uses (``unused_columns``, as the file
writes them, in file order) and why a known column was left out (``notes``): a metric renamed by
its platform shows up there instead of vanishing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from services.collector.aliases import Renamed
from services.collector.exports import detect, readers
from services.collector.exports.layout import Context, Layout, Row, RowError, row_records
from services.collector.intake import Intake, Line, checked, validate_body
from shared.events import Rejection, validate_object

FORMATS = ("ndjson", *detect.BY_NAME)
# A platform and the post ids of a file's rows → the ids to store them under.
Rename = Callable[[str, list[str]], Renamed]


class ImportRefused(ValueError):
    """The file as a whole cannot be imported; the message says what to change, ``status``
    is the answer's (413 for a file over the cell budget, 400 otherwise)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Skipped:
    row: int
    field: str
    reason: str
    dead_letter: bool


@dataclass
class ImportResult:
    format: str
    intake: Intake
    rows: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    unused_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def answer(self, event: str | None) -> dict:
        """What the import endpoint answers once Kafka acknowledged the intake."""
        records = Counter(record.type for _, record in self.intake.accepted)
        return {
            "format": self.format,
            "event": event,
            "rows": self.rows,
            "records": dict(sorted(records.items())),
            "accepted": len(self.intake.accepted),
            "skipped": [
                {"row": s.row, "field": s.field, "reason": s.reason, "dead_letter": s.dead_letter}
                for s in self.skipped
            ],
            "dead_letters": len(self.intake.rejected),
            "unused_columns": self.unused_columns,
            "notes": self.notes,
        }


def import_file(
    body: bytes,
    fmt: str | None,
    context: Context | None,
    received_ns: int,
    max_cells: int | None = None,
    rename: Rename | None = None,
) -> ImportResult:
    """Read ``body`` as export ``fmt`` (detected when ``None``); ``context`` is needed for
    every export and unused by NDJSON, whose records name their own event. An export is
    read up to ``max_cells`` cells (:class:`~.readers.Budget`); its post ids go through
    ``rename`` first (none: kept as the file writes them)."""
    if fmt == "ndjson" or (fmt is None and readers.container(body) == "ndjson"):
        return _ndjson(body, received_ns)
    try:
        found = detect.find(readers.sheets(body, max_cells), detect.BY_NAME[fmt] if fmt else None)
    except readers.TooManyCells as exc:
        raise ImportRefused(str(exc), 413) from None
    except (readers.UnreadableFile, detect.NotDetected) as exc:
        raise ImportRefused(str(exc)) from None
    if context is None:
        raise ImportRefused(f"this is a {found.layout.title}: its rows need an event, pass event=<slug>")
    return _rows(found, context, received_ns, rename)


def _ndjson(body: bytes, received_ns: int) -> ImportResult:
    intake = validate_body(body, "application/x-ndjson", received_ns)
    return ImportResult(
        "ndjson",
        intake,
        intake.total,
        [
            Skipped(line.number, rejection.field, rejection.reason, True)
            for line, rejection in intake.rejected
        ],
    )


def _rows(found: detect.Found, context: Context, received_ns: int, rename: Rename | None) -> ImportResult:
    arrival = datetime.fromtimestamp(received_ns / 1e9, tz=UTC)
    result = ImportResult(
        found.layout.name,
        Intake(received_ns),
        unused_columns=list(found.header.unused),
        notes=list(found.header.notes),
    )
    rows = [Row(number, cells, found.header) for number, cells in found.data_rows()]
    rows = [row for row in rows if not row.is_blank()]
    renamed = Renamed()
    if rename is not None:
        renamed = rename(found.layout.platform, _post_ids(found.layout, rows))
        result.notes += renamed.notes
    for row in rows:
        number = row.number
        result.rows += 1
        summary = found.layout.summary(row)
        if summary:
            result.skipped.append(Skipped(number, "", summary, False))
            continue
        line = Line(number, row.as_csv())
        try:
            outcomes = [
                checked(validate_object, record, arrival)
                for record in row_records(found.layout, row, context, renamed.ids)
            ]
        except RowError as exc:
            _dead_letter(result, line, exc.column, exc.reason, context.event)
            continue
        refused = next((o for o in outcomes if isinstance(o, Rejection)), None)
        if refused:
            _dead_letter(result, line, refused.field, refused.reason, context.event)
        else:
            for record in outcomes:
                result.intake.add(line, record)
    return result


def _post_ids(layout: Layout, rows: list[Row]) -> list[str]:
    """The post ids the data rows name (a row whose id cannot be read is answered later)."""
    found = set()
    for row in rows:
        try:
            post_id = None if layout.summary(row) else layout.post_id(row)
        except RowError:
            continue
        if post_id:
            found.add(post_id)
    return sorted(found)


def _dead_letter(result: ImportResult, line: Line, column: str, reason: str, event: str) -> None:
    result.skipped.append(Skipped(line.number, column, reason, True))
    result.intake.add(line, Rejection(column, reason, event))
