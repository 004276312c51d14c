"""Step four, the last: commit the offsets after a written batch's last records.

Only this step commits, and only batches the write step has stored: a batch
written but not committed (a crash in between) is read again and stored once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from kafka import KafkaConsumer
from kafka.errors import CommitFailedError, KafkaError

from services.aggregator.batch import Batch

log = logging.getLogger("sada.aggregator")

Committed = Callable[[Batch, bool], None]  # (the batch, whether its offsets were committed)


class Commit:
    """A partition moved to another consumer meanwhile is not an error: that consumer reads the
    batch again."""

    def __init__(self, consumer: KafkaConsumer, on_committed: Committed = lambda batch, ok: None):
        self.consumer = consumer
        self.on_committed = on_committed

    def submit(self, batch: Batch) -> None:
        try:
            self.consumer.commit(batch.offsets())
            ok = True
        except (CommitFailedError, KafkaError) as exc:
            log.warning("offsets not committed (%s); the batch will be read again and stored once", exc)
            ok = False
        self.on_committed(batch, ok)

    def poll(self) -> None:
        """Commits are synchronous: nothing is left to do."""

    def join(self, timeout_s: float) -> None:
        """Commits are synchronous: nothing is left to finish."""

    def close(self) -> None:
        """Nothing to release: the consumer belongs to the loop."""
