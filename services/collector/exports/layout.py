"""What every export format shares: a header matched by name, and one post plus one
metrics snapshot per row.

Export headers drift month to month (columns are added, renamed, reordered,
re-cased), so a format is a set of *logical* fields, each with the header
names it has been seen under. A file is of a format when its header has every
required field; the other columns are read when present and ignored when not
(DESIGN: a missing metric is "not reported", never zero).

Every column of the header that no record uses is named in :attr:`Header.unused`, as the file
writes it and in file order, so that a renamed metric is seen in the import's answer rather than
silently dropped (PLATFORMS.md, Field notes: "Columns are renamed as metrics are deprecated").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from services.collector.exports import cells
from shared.identity import IdentityError, canonical

POST_FIELDS = ("text", "url", "account", "author")


def normalise(header: object) -> str:
    """Header names compare case- and spacing-insensitively, without a BOM."""
    return " ".join(str(header or "").replace("\ufeff", "").split()).lower()


class RowError(ValueError):
    """A row that holds data but cannot become records; ``column`` is the file's header name."""

    def __init__(self, column: str, reason: str):
        super().__init__(f"{column}: {reason}" if column else reason)
        self.column = column
        self.reason = reason


@dataclass(frozen=True)
class Conditional:
    """A field read only when the file also has the column of ``needs``; otherwise its column
    is unused and the import's answer carries ``note`` (``{column}``: the file's name for it)."""

    field: str
    needs: str
    note: str


@dataclass(frozen=True)
class Header:
    """Where each logical field is: its columns (every alias present, in alias order)
    and the name the file gives the first of them, for messages. ``unused``: the names of
    the columns no record uses, in file order; ``notes``: why a known column was not used."""

    row: int
    columns: Mapping[str, tuple[int, ...]]
    names: Mapping[str, str]
    unused: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def has(self, name: str) -> bool:
        return name in self.columns


@dataclass(frozen=True)
class Row:
    number: int
    cells: Sequence[object]
    header: Header

    def raw(self, name: str) -> object:
        """The first non-empty cell among the field's columns (``None`` if none or absent)."""
        for index in self.header.columns.get(name, ()):
            value = self.cells[index] if index < len(self.cells) else None
            if cells.text(value) is not None:
                return value
        return None

    def text(self, name: str) -> str | None:
        return cells.text(self.raw(name))

    def count(self, name: str) -> int | None:
        try:
            return cells.count(self.raw(name))
        except cells.CellError as exc:
            raise RowError(self.header.names[name], str(exc)) from None

    def moment(self, name: str, zone: ZoneInfo) -> str:
        try:
            return cells.moment(self.raw(name), zone)
        except cells.CellError as exc:
            raise RowError(self.header.names.get(name, name), str(exc)) from None

    def day_only(self, name: str) -> bool:
        return cells.day_only(self.raw(name))

    def is_blank(self) -> bool:
        return all(cells.text(value) is None for value in self.cells)

    def as_csv(self) -> bytes:
        """The row as one CSV line: what a dead letter keeps as the original bytes."""
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow(["" if v is None else v for v in self.cells])
        return out.getvalue().encode()


def plain(*fields: str) -> dict[str, tuple[str, ...]]:
    """Names that stand for themselves: in :attr:`Layout.columns`, fields each read from the
    column of its name; in :attr:`Layout.counters`, counters each made of the field of its name."""
    return {name: (name,) for name in fields}


def _no_summary(_: Row) -> str | None:
    return None


def _post_id_column(row: Row) -> str | None:
    return row.text("post_id")


def _url_column(row: Row, _: str) -> str | None:
    return row.text("url")


@dataclass(frozen=True)
class Layout:
    """One export format. ``columns`` maps a logical field to the header names it is
    known by; ``counters`` maps a format v1 counter to the fields summed into it."""

    platform: str
    title: str
    columns: Mapping[str, tuple[str, ...]]
    required: tuple[str, ...]
    counters: Mapping[str, tuple[str, ...]]
    media: Mapping[str, str] = field(default_factory=dict)
    fixed_media: str | None = None
    id_field: str = "post_id"
    summary: Callable[[Row], str | None] = _no_summary
    post_id: Callable[[Row], str | None] = _post_id_column
    url: Callable[[Row, str], str | None] = _url_column
    conditional: tuple[Conditional, ...] = ()

    @property
    def name(self) -> str:
        """The format's name (``?format=``): its platform's."""
        return self.platform

    @property
    def read_fields(self) -> frozenset[str]:
        """The fields whose cells go into records; any other column of a file is unused."""
        parts = {part for fields in self.counters.values() for part in fields}
        return frozenset({self.id_field, "page_id", "created_at", "media", *POST_FIELDS, *parts})

    def match(self, row: int, values: Sequence[object]) -> Header | None:
        """This format's header, if ``values`` is one: every required field has a column."""
        positions: dict[str, list[int]] = {}
        for index, value in enumerate(values):
            positions.setdefault(normalise(value), []).append(index)
        columns: dict[str, tuple[int, ...]] = {}
        names: dict[str, str] = {}
        for name, aliases in self.columns.items():
            found = [positions[alias][0] for alias in aliases if alias in positions]
            if found:
                columns[name] = tuple(found)
                names[name] = str(values[found[0]]).replace("\ufeff", "").strip()
        if not all(name in columns for name in self.required):
            return None
        notes = []
        for rule in self.conditional:
            if rule.field in columns and rule.needs not in columns:
                notes.append(rule.note.format(column=names.pop(rule.field)))
                del columns[rule.field]
        read = {index for name in self.read_fields & columns.keys() for index in columns[name]}
        unused = tuple(
            str(value).replace("\ufeff", "").strip()
            for index, value in enumerate(values)
            if index not in read and normalise(value)
        )
        return Header(row, columns, names, unused, tuple(notes))

    def missing(self, values: Sequence[object]) -> list[str]:
        """The required fields a header lacks, as "'A' or 'B'" for a message."""
        present = {normalise(value) for value in values}
        return [
            " or ".join(f"'{alias}'" for alias in self.columns[name])
            for name in self.required
            if not present.intersection(self.columns[name])
        ]


@dataclass(frozen=True)
class Context:
    """What a row cannot say itself: the event, the zone of times without an offset,
    and the moment the figures were observed (the upload, unless the client says)."""

    event: str
    zone: ZoneInfo
    observed_at: str


def row_records(
    layout: Layout, row: Row, context: Context, renamed: Mapping[str, str] | None = None
) -> list[dict]:
    """A post and a metrics snapshot; raises :class:`RowError` naming the column at fault.

    The post's id is its platform's canonical one (shared/identity.py: a Facebook row's Post ID
    joined to its Page ID; an id a spreadsheet rounded is refused), then ``renamed``: the
    platform's own id for a post the export names otherwise (LinkedIn's activity URNs,
    :mod:`services.collector.aliases`). A date without a time of day gives a ``created_at`` of
    precision "day", which never replaces an exact one."""
    raw_id = layout.post_id(row)
    column = row.header.names[layout.id_field]
    if not raw_id:
        raise RowError(column, "is empty: a row needs its post's id")
    try:
        post_id = canonical(layout.platform, raw_id, row.text("page_id"))
    except IdentityError as exc:
        raise RowError(column, exc.reason) from None
    post_id = (renamed or {}).get(post_id, post_id)
    base = {"event": context.event, "platform": layout.platform, "post_id": post_id}
    post = {"type": "post", **base, "created_at": row.moment("created_at", context.zone)}
    if row.day_only("created_at"):
        post["created_precision"] = "day"
    for name in POST_FIELDS:
        value = layout.url(row, post_id) if name == "url" else row.text(name)
        if value is not None:
            post[name] = value
    media = layout.fixed_media or layout.media.get(normalise(row.text("media")))
    if media:
        post["media"] = media
    snapshot: dict[str, object] = {"type": "metrics", **base, "observed_at": context.observed_at}
    for counter, parts in layout.counters.items():
        reported = [
            value
            for value in (row.count(part) for part in parts if row.header.has(part))
            if value is not None
        ]
        if reported:
            snapshot[counter] = sum(reported)
    return [post, snapshot]
