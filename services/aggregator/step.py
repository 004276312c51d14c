"""The one interface of the aggregator's steps, after Sentry's Arroyo.

A message goes through ``decode -> batch -> write -> commit`` (wired by
:func:`services.aggregator.chain.build_chain`). Each step hands what it made to the
next one with :meth:`Step.submit`. A step that cannot take more now (the store is
failing) raises :class:`MessageRejected`; the consumer then pauses its partitions,
keeps polling, and submits the same message again later. :meth:`Step.poll` gives a
step time to do its own work (close an old batch, retry a write); :meth:`Step.join`
finishes what a step holds within a time limit; :meth:`Step.close` says nothing more
will be submitted.
"""

from __future__ import annotations

import time
from typing import Protocol, TypeVar

T_contra = TypeVar("T_contra", contravariant=True)


class MessageRejected(Exception):  # noqa: N818 (the name Arroyo gives the same signal)
    """The step cannot take this message now; submit it again later."""


class Step(Protocol[T_contra]):
    def submit(self, message: T_contra) -> None: ...

    def poll(self) -> None: ...

    def join(self, timeout_s: float) -> None: ...

    def close(self) -> None: ...


class Deadline:
    """The time left of a :meth:`Step.join`, handed on to the next step."""

    def __init__(self, timeout_s: float):
        self.at = time.monotonic() + timeout_s

    def left(self) -> float:
        return max(0.0, self.at - time.monotonic())

    def wait(self, until: float, step_s: float = 0.05) -> None:
        """Sleep until ``until`` (a monotonic time), ``step_s`` at most, never past the deadline."""
        time.sleep(max(0.0, min(until - time.monotonic(), step_s, self.left())))
