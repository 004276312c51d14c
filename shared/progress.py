"""Progress for people on long work: stderr, so stdout stays machine-readable."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

Progress = Callable[[str], None]  # a say() or a throttled one, handed to long work


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def throttled(every_s: float = 1.0) -> Progress:
    """A ``say`` that drops messages arriving less than ``every_s`` after the last one shown,
    for loops that report on every chunk."""
    last = [0.0]

    def progress(message: str) -> None:
        if time.monotonic() - last[0] >= every_s:
            last[0] = time.monotonic()
            say(message)

    return progress
