"""Reading a platform's listing newest first, page by page, only as far as the last complete
reading began; the position is kept in the checkpoint's cursor so a pass can stop anywhere.

A cursor holds ``newest`` (the newest item of the last complete reading: the next one stops
there), ``pending`` (the newest item of the reading under way) and the platform's own
position (a page number, a cursor, a next link). Times are whatever the platform gives
(milliseconds, seconds, a date), stored as the connector encodes them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Generic, TypeVar

Stamp = TypeVar("Stamp", int, datetime)


class Listing(Generic[Stamp]):
    """One listing's reading, from its checkpointed cursor (``state``); ``since``: how far back
    a first reading goes."""

    def __init__(
        self,
        state: Mapping[str, Any],
        since: Stamp,
        decode: Callable[[Any], Stamp | None],
        encode: Callable[[Stamp], Any],
    ):
        self.state = state
        self.encode: Callable[[Stamp], Any] = encode
        self.newest: Stamp | None = decode(state.get("newest"))
        self.pending: Stamp | None = decode(state.get("pending"))
        self.floor: Stamp = self.newest or since
        self.reached = False

    def passed(self, stamp: Stamp | None) -> bool:
        """Note an item's time; whether the item is as old as the floor (read before: the
        listing ends there)."""
        if stamp is None:
            return False
        self.pending = max(self.pending, stamp) if self.pending else stamp
        if stamp > self.floor:
            return False
        self.reached = True
        return True

    def cursor(self, more: bool, **position: Any) -> dict[str, Any]:
        """The cursor after this page: with ``more`` pages to read, where to go on from;
        else where the next reading stops (the newest item seen)."""
        if more:
            pending = self.encode(self.pending) if self.pending is not None else None
            return {"newest": self.state.get("newest"), **position, "pending": pending}
        seen = [stamp for stamp in (self.pending, self.newest) if stamp]
        return {"newest": self.encode(max(seen)) if seen else None}


def as_stored(value: Any) -> Any:
    """A time the cursor stores as the platform counts it (seconds, milliseconds)."""
    return value
