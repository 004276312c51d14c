"""The aggregator's batch step (services/aggregator/batch.py) with a last step that takes or
refuses batches: batches close by size or age, carry their offsets and tokens, and a refused
batch makes the step refuse messages until it is taken."""

from __future__ import annotations

import time

import pytest
from harness import LastStep
from kafka import TopicPartition

from services.aggregator.batch import BatchStep
from services.aggregator.decode import Decoded
from services.aggregator.step import MessageRejected

TP = TopicPartition("t.posts", 0)


def message(offset: int, table: str = "posts", waited_s: float = 0.0) -> Decoded:
    """A message that reached Kafka ``waited_s`` ago (by its timestamp)."""
    return Decoded(TP, offset, table, [offset], round((time.time() - waited_s) * 1000))


def test_a_batch_closes_at_its_size_with_its_offsets_and_token():
    last = LastStep()
    step = BatchStep(last, max_records=3, max_age_ms=60_000)
    for offset in range(4):
        step.submit(message(offset, "posts" if offset % 2 else "metrics"))
    (batch,) = last.batches
    assert batch.rows == {"metrics": [[0], [2]], "posts": [[1]]}
    assert batch.token("metrics") == "t.posts:0:0-2" and batch.offsets()[TP].offset == 3
    assert step.open.size == 1


def test_a_batch_closes_at_its_age_when_polled():
    last = LastStep()
    step = BatchStep(last, max_records=100, max_age_ms=1)
    step.submit(message(0))
    time.sleep(0.01)
    step.poll()
    assert [b.size for b in last.batches] == [1]


def test_a_batchs_age_counts_from_when_its_oldest_record_reached_kafka():
    last = LastStep()
    step = BatchStep(last, max_records=100, max_age_ms=60_000)
    step.submit(message(0))
    step.poll()
    assert last.batches == []  # one record that just arrived: the batch stays open
    step.submit(message(1, waited_s=61.0))  # queued in Kafka (the batch before was being written)
    step.poll()
    assert [b.rows["posts"] for b in last.batches] == [[[0], [1]]]


def test_a_refused_batch_makes_the_step_refuse_messages_until_it_is_taken():
    last = LastStep()
    last.open = False
    step = BatchStep(last, max_records=1, max_age_ms=60_000)
    step.submit(message(0))  # closes the batch, which the last step refuses: the step holds it
    with pytest.raises(MessageRejected):
        step.submit(message(1))
    last.open = True
    step.submit(message(1))  # the held batch goes first
    assert [b.rows["posts"] for b in last.batches] == [[[0]], [[1]]]


def test_join_hands_on_the_open_batch_and_gives_up_on_a_refusing_step_in_time():
    last = LastStep()
    step = BatchStep(last, max_records=100, max_age_ms=60_000)
    step.submit(message(0))
    last.open = False
    step.join(0.2)  # returns, the batch held
    assert last.batches == []
    last.open = True
    step.join(0)
    assert [b.size for b in last.batches] == [1]
