"""The core every adapter shares: a platform item (a webhook delivery's, a poller's page's)
becomes a format v1 record, or the reason why not, and the lot becomes one :class:`Intake`.

Mappers raise :class:`Unmappable` naming the field at fault; :func:`item` keeps the item's
bytes with its record or its reason, and :func:`to_intake` validates the records like any
other (format v1) and turns the reasons into dead letters. Every mapped record's post id is
held to its platform's shape by :func:`identified` (shared/identity.py): an API or a webhook
that names a post otherwise is not naming the post the other sources name.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from services.collector.exports.cells import CellError, count
from services.collector.intake import Intake, Line, checked, sort_outcomes
from shared.events import Rejection, validate_object
from shared.identity import IdentityError, canonical

# X's media types in format v1 (its webhooks and its API say them alike).
X_MEDIA = {"photo": "image", "video": "video", "animated_gif": "video"}


class Unmappable(ValueError):
    """An item sada cannot turn into a record; ``field`` is its path in the item."""

    def __init__(self, field: str, reason: str):
        super().__init__(reason)
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Item:
    """One platform item: its bytes (a dead letter's value) and its record, or why there is none."""

    path: str
    raw: bytes
    record: dict | None
    reason: str = ""


def identified(record: dict | None) -> dict | None:
    """``record`` with its post id in the platform's canonical form; :class:`Unmappable` when the
    id is not of its platform's shape (a record without a post id, a mention, is left as it is)."""
    if (
        record is None
        or not isinstance(record.get("post_id"), str)
        or not isinstance(record.get("platform"), str)
    ):
        return record
    try:
        post_id = canonical(record["platform"], record["post_id"])
    except IdentityError as exc:
        raise Unmappable("post_id", exc.reason) from None
    return record if post_id == record["post_id"] else {**record, "post_id": post_id}


def item(path: str, obj: object, build: Callable[[], dict]) -> Item:
    """``obj`` mapped by ``build``; an :class:`Unmappable` becomes the item's reason."""
    raw = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()
    try:
        return Item(path, raw, identified(build()))
    except Unmappable as exc:
        return Item(joined(path, exc.field), raw, None, exc.reason)


def unmapped(path: str, obj: object, reason: str) -> Item:
    """A whole item (or delivery) sada has no mapping for."""
    return Item(path, json.dumps(obj).encode(), None, reason)


def joined(*parts: str) -> str:
    """A path in an item: ``entry.0`` and ``value.id`` → ``entry.0.value.id``."""
    return ".".join(part for part in parts if part)


def to_intake(items: Iterable[Item], event: str, received_ns: int, numbered: bool = True) -> Intake:
    """Mapped records are validated like any other (format v1); the rest become dead letters.

    ``numbered``: items are lines 1, 2, … of the delivery. Pollers pass False: every item is
    "line 0", so the same bad item read again on a later pass keeps its reject id.
    """
    arrival = datetime.fromtimestamp(received_ns / 1e9, tz=UTC)
    return sort_outcomes(
        received_ns,
        (
            (
                Line(number if numbered else 0, found.raw),
                checked(validate_object, found.record, arrival)
                if found.record is not None
                else Rejection(found.path, found.reason, event),
            )
            for number, found in enumerate(items, start=1)
        ),
    )


# --- reading platform values -------------------------------------------------------------------


def as_dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list:
    return value if isinstance(value, list) else []


def text(obj: Mapping, key: str) -> str | None:
    """An id or a text: a non-empty string, or an integer as a string; else None."""
    value = obj.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) and value else None


def need_id(obj: Mapping, key: str, path: str | None = None) -> str:
    value = text(obj, key)
    if value is None:
        raise Unmappable(path or key, "is missing (a string or integer id is needed)")
    return value


def unix_time(value: object) -> datetime | None:
    """Unix seconds or milliseconds (platforms use both); None for anything else, a time
    outside years 1 to 9999 (``1e20``) and NaN included."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 20:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, UTC)
    except (OverflowError, ValueError, OSError):  # out of datetime's range, or NaN
        return None


def need_unix(value: object, path: str) -> str:
    """A unix time as RFC 3339."""
    moment = unix_time(value)
    if moment is None:
        raise Unmappable(path, "is not a unix time (seconds or milliseconds, years 1 to 9999)")
    return moment.isoformat()


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 time as platforms write it (``Z``, ``+0000``, ``+00:00``); naive = UTC."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def need_time(value: object, path: str, unix: bool = False) -> str:
    moment = unix_time(value) if unix else parse_time(value)
    if moment is None:
        raise Unmappable(path, f"{value!r} is not a time")
    return moment.isoformat()


def counter(value: object) -> int | None:
    """A platform counter as format v1 wants it: an int ≥ 0, or None (not reported).
    Accepts the strings YouTube sends; anything unreadable is "not reported", never 0."""
    try:
        return count(value)
    except CellError:
        return None


def compact(record: dict) -> dict:
    """Optional fields the platform did not give are left out, not sent as null."""
    return {key: value for key, value in record.items() if value is not None}
