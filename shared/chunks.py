"""Long lists in bounded pieces: API pages, IN sets, batches."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")
LOOKUP_CHUNK = 2_000  # identities per lookup by sort key: bounds the size of the IN sets


def chunked(values: Sequence[T], size: int) -> Iterator[list[T]]:
    for first in range(0, len(values), size):
        yield list(values[first : first + size])
