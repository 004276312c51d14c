"""Step three: a batch into ClickHouse with its rollups; retried while the store fails.

Posts, snapshots and interactions go in with their rollups' deltas, exactly once whatever is
retried or read again (``Store.write_records``, shared/rollups.py); the batch's posts are merged
with what the store holds of them (shared/merge.py: a coarser source never erases what a finer
one knew), read again on every attempt. The other tables' rows go in with a deduplication token
made of the batch's offsets, so a retry (or the same batch read again after a crash) is stored
once. A failed piece is retried after a capped, doubling delay, and the pieces after it wait.
The step never sleeps on a failure: it holds the batch, refuses the next one
(so the consumer pauses and keeps polling), and retries when polled.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from services.aggregator.batch import Batch
from services.aggregator.step import Deadline, MessageRejected, Step
from shared.rollups import ROLLUP_TABLES
from shared.settings import Settings
from shared.store import Store, StoreUnavailable

log = logging.getLogger("sada.aggregator")

StoreStatus = Callable[[bool, str], None]  # (ok, the last error) after every attempt


@dataclass
class _Held:
    """A batch being written: the pieces still to do, and when to try the first again."""

    batch: Batch
    pieces: list[Callable[[], None]]
    delay: float
    retry_at: float = 0.0


class Write:
    def __init__(
        self,
        next_step: Step[Batch],
        store: Store,
        settings: Settings,
        on_status: StoreStatus = lambda ok, message: None,
    ):
        self.next_step = next_step
        self.store = store
        self.initial = settings.store_retry_initial_ms / 1000
        self.ceiling = settings.store_retry_max_ms / 1000
        self.on_status = on_status
        self.held: _Held | None = None

    def submit(self, batch: Batch) -> None:
        if self.held is not None:
            raise MessageRejected
        batch.write_started = time.perf_counter()
        pieces: list[Callable[[], None]] = [
            partial(self.store.insert, table, batch.rows[table], batch.token(table))
            for table in sorted(batch.rows)
            if table not in ROLLUP_TABLES
        ]
        counted = [table for table in sorted(batch.rows) if table in ROLLUP_TABLES]
        if counted:
            pieces.append(
                partial(
                    self.store.write_records,
                    {table: batch.rows[table] for table in counted},
                    {table: batch.origins[table] for table in counted},
                )
            )
        self.held = _Held(batch, pieces, self.initial)
        self._attempt()

    def poll(self) -> None:
        if self.held is not None and time.monotonic() >= self.held.retry_at:
            self._attempt()
        self.next_step.poll()

    def join(self, timeout_s: float) -> None:
        deadline = Deadline(timeout_s)
        while self.held is not None and deadline.left():
            deadline.wait(self.held.retry_at, step_s=self.ceiling)
            if time.monotonic() >= self.held.retry_at:
                self._attempt()
        if self.held is not None:
            log.warning("a batch of %d records was not written; it will be read again", self.held.batch.size)
        self.next_step.join(deadline.left())

    def close(self) -> None:
        self.next_step.close()

    def _attempt(self) -> None:
        held = self.held
        assert held is not None
        while held.pieces:
            try:
                held.pieces[0]()
            except StoreUnavailable as exc:
                self.on_status(False, str(exc))
                log.warning("%s; retrying in %.1f s without committing", exc, held.delay)
                held.retry_at = time.monotonic() + held.delay
                held.delay = min(held.delay * 2, self.ceiling)
                return
            held.pieces.pop(0)
        self.on_status(True, "")
        self.held = None
        batch = held.batch
        log.info(
            "stored batch of %d records (%s)",
            batch.size,
            ", ".join(f"{t}={len(r)}" for t, r in sorted(batch.rows.items())),
        )
        self.next_step.submit(batch)
