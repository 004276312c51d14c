"""Step four, the last: commit the offsets after a written batch's last records.

Only this step commits, and only batches the write step has stored: a batch
written but not committed (a crash in between) is read again and stored once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from kafka import KafkaConsumer
from kafka.errors import CommitFailedError, KafkaError

from services.aggregator.batch import Batch

log = logging.getLogger("sada.aggregator")

Committed = Callable[[Batch, bool], None]  # (the batch, whether its offsets were committed)


class Commit:
    """A partition moved to another consumer meanwhile is not an error: that consumer reads the
    batch again.

    ``may_block`` tells whether this thread may wait for Kafka: the consumer loop's own thread may;
    kafka-python's network thread, which runs the rebalance listener (and so the chain's last
    work before a revocation), may not — there the commit is sent without waiting, and its
    answer reported when it comes."""

    def __init__(
        self,
        consumer: KafkaConsumer,
        on_committed: Committed = lambda batch, ok: None,
        may_block: Callable[[], bool] = lambda: True,
    ):
        self.consumer = consumer
        self.on_committed = on_committed
        self.may_block = may_block

    def submit(self, batch: Batch) -> None:
        if not self.may_block():
            self.consumer.commit_async(batch.offsets(), callback=partial(self._answered, batch))
            return
        try:
            self.consumer.commit(batch.offsets())
            ok = True
        except (CommitFailedError, KafkaError) as exc:
            log.warning("offsets not committed (%s); the batch will be read again and stored once", exc)
            ok = False
        self.on_committed(batch, ok)

    def _answered(self, batch: Batch, _offsets: object, response: object) -> None:
        ok = not isinstance(response, Exception)
        if not ok:
            log.warning("offsets not committed (%s); the batch will be read again and stored once", response)
        self.on_committed(batch, ok)

    def poll(self) -> None:
        """A commit is done when submit returns, or reported by kafka-python: nothing to do."""

    def join(self, timeout_s: float) -> None:
        """Nothing is left to finish here: a commit sent without waiting is kafka-python's."""

    def close(self) -> None:
        """Nothing to release: the consumer belongs to the loop."""
