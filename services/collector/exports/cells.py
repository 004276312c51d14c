"""Reading one export cell: counters and dates as the platforms write them.

Exports are made for spreadsheets, not programs: counters come as ``1,234``,
``"1 234"`` or ``1234.0`` (a number cell of a workbook), an unreported figure
as an empty cell or ``-``, and every platform writes dates its own way. These
functions turn a cell into what format v1 wants, or raise :class:`CellError`
with a reason a person can act on.
"""

from __future__ import annotations

import re
from datetime import date, datetime, tzinfo

BLANKS = {"", "-", "--", "—", "n/a", "na"}
# Thousands separators seen in exports: comma, space, no-break and thin spaces, apostrophe.
SEPARATORS = re.compile(r"[,\s\u00a0\u202f']")
WHOLE = re.compile(r"^\d+(\.0*)?$")
# More digits than any counter has (2^64 has 20); also keeps int() under its 4,300-digit limit.
MAX_DIGITS = 20

# Tried in order after ISO 8601; each names the export that writes it.
DATE_FORMATS = (
    "%Y-%m-%d %H:%M %z",  # X legacy tweet activity: 2022-10-26 09:12 +0000
    "%a, %b %d, %Y",  # X post activity: Wed, Oct 26, 2022
    "%b %d, %Y",  # YouTube Studio: Oct 26, 2022
    "%m/%d/%Y %H:%M",  # Meta Business Suite: 10/26/2022 09:12
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y",  # LinkedIn page content: 10/26/2022
)


class CellError(ValueError):
    """A cell that cannot be read as what its column means."""


def text(value: object) -> str | None:
    """A cell as text; ``None`` for an empty one. A whole number cell loses its ``.0``."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    cleaned = str(value).strip()
    return cleaned or None


def count(value: object) -> int | None:
    """A counter cell: ``None`` when not reported, else a whole number ≥ 0."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise CellError(f"{value!r} is not a whole number")
        number = int(value)
    else:
        raw = str(value).strip()
        if raw.lower() in BLANKS:
            return None
        digits = SEPARATORS.sub("", raw)
        if not WHOLE.match(digits):
            raise CellError(f"{raw!r} is not a whole number ≥ 0")
        if len(digits.split(".")[0]) > MAX_DIGITS:
            raise CellError(f"a number of {len(digits)} digits is too large for a counter")
        number = int(digits.split(".")[0])
    if number < 0:
        raise CellError(f"{value!r} is negative")
    return number


def moment(value: object, zone: tzinfo) -> str:
    """A date or time cell as RFC 3339; a time without an offset is read in ``zone``."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    else:
        raw = text(value)
        if raw is None:
            raise CellError("is empty")
        parsed = _parse(raw)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.isoformat()


DAY_FORMATS = frozenset({"%a, %b %d, %Y", "%b %d, %Y", "%m/%d/%Y"})
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def day_only(value: object) -> bool:
    """Whether a date cell gives only the day, no time of day (X and YouTube exports): the post's
    ``created_at`` is then that day's midnight, with ``created_precision`` "day"."""
    if isinstance(value, datetime):
        return False
    if isinstance(value, date):
        return True
    raw = text(value)
    if raw is None:
        return False
    if ISO_DAY.match(raw):
        return True
    for pattern in DAY_FORMATS:
        try:
            datetime.strptime(raw, pattern)
        except ValueError:
            continue
        return True
    return False


def _parse(raw: str) -> datetime:
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        pass
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(raw, pattern)
        except ValueError:
            continue
    raise CellError(f"{raw!r} is not a date sada knows (like 2022-10-26 09:12, 10/26/2022 or Oct 26, 2022)")
