"""shared/heap.py: start-up's live objects frozen, its garbage collected first, all given back."""

from __future__ import annotations

import gc
import weakref

from shared import heap


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_start_up_garbage_is_collected_not_frozen_and_the_live_heap_is_thawed_at_the_end():
    gc.disable()  # no pass of its own between the cycle's making and the freeze
    try:
        a, b = _Node(), _Node()
        a.other, b.other = b, a
        cycle = weakref.ref(a)
        del a, b
        heap.freeze_start_up()
        assert cycle() is None  # unreachable when frozen: collected, not kept forever
        assert gc.get_freeze_count() > 0  # what lives is frozen
    finally:
        heap.thaw()
        gc.enable()
    assert gc.get_freeze_count() == 0
