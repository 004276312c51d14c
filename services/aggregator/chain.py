"""The one place the aggregator's steps are wired: decode -> batch -> write -> commit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from kafka import KafkaConsumer
from kafka.consumer.fetcher import ConsumerRecord

from services.aggregator.batch import Batch, BatchStep
from services.aggregator.commit import Commit
from services.aggregator.decode import Decode
from services.aggregator.step import Step
from services.aggregator.write import Write
from shared.settings import Settings
from shared.store import Store


class Observer(Protocol):
    """What the service counts and reports of the chain's work."""

    def store_status(self, ok: bool, message: str) -> None: ...

    def committed(self, batch: Batch, ok: bool) -> None: ...

    def undecodable(self, topic: str, error: str) -> None: ...


def build_chain(
    consumer: KafkaConsumer,
    store: Store,
    settings: Settings,
    observer: Observer,
    may_block: Callable[[], bool] = lambda: True,
) -> Step[ConsumerRecord]:
    """A fresh chain for the partitions just assigned; offsets are committed by its last step only
    (``may_block``: whether the calling thread may wait for Kafka, see :class:`Commit`)."""
    commit = Commit(consumer, observer.committed, may_block)
    write = Write(commit, store, settings, observer.store_status)
    batch = BatchStep(write, settings.batch_max_records, settings.batch_max_age_ms)
    return Decode(batch, settings, observer.undecodable)
