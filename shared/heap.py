"""What a process made while starting stays out of the garbage collector's full passes.

A started sada process holds a large heap that lives as long as it does: the modules (pandas,
pydantic models, clickhouse-connect and kafka-python), settings, clients, the registry. CPython's
cycle collector walks the whole heap on every full (generation 2) pass, and the records flowing
through the collector and the aggregator trigger such passes every second or so: measured on the
bench's end-to-end run, 17 % of the local mode process's time (docs/decisions.md, "Start-up's
objects frozen"). :func:`freeze_start_up` collects once, then moves every object alive to the
permanent generation (``gc.freeze``), which the passes skip; the records' own objects are
collected as before. Reference counting still frees a frozen object that is no longer used; only
a cycle among frozen objects waits for :func:`thaw`, which gives them back to the collector when
the process stops serving.
"""

from __future__ import annotations

import gc


def freeze_start_up() -> None:
    """Call once the process is serving: start-up's garbage collected, the rest frozen."""
    gc.collect()
    gc.freeze()


def thaw() -> None:
    """Call when the process stops serving (a test process starts many)."""
    gc.unfreeze()
