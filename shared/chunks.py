"""Long lists in bounded pieces: API pages, IN sets, batches."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")


def chunked(values: Sequence[T], size: int) -> Iterator[list[T]]:
    for first in range(0, len(values), size):
        yield list(values[first : first + size])
