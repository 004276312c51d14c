"""Local mode keeps its promise across crashes: a 2xx means stored, even when the embedded broker
(in memory) is killed and the aggregator dies mid-stream; nothing is stored twice."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest
from harness import RunningPipeline, pipeline_settings, post, wait_for, x_posts
from kafka import TopicPartition
from kafka.admin import KafkaAdminClient

from shared import bus
from shared.settings import Settings

EVENT = "chaos"


def _local_settings(broker, chdb_dir, name: str) -> Settings:
    """Local mode with its own supervised broker (no bootstrap given)."""
    return pipeline_settings(
        broker,
        chdb_dir,
        name,
        kafka_bootstrap="",
        kafka_request_timeout_ms=2_000,
        kafka_delivery_timeout_ms=4_000,
        kafka_max_block_ms=2_000,
        local_stored_wait_s=8,
        produce_retry_after_s=1,
    )


def _records(ids: range) -> bytes:
    return x_posts(EVENT, ids)


def _kill_broker(pipeline: RunningPipeline) -> None:
    broker = pipeline.local.broker
    assert broker is not None and broker.process is not None
    broker.process.kill()


def _stored(pipeline: RunningPipeline) -> list[dict]:
    return pipeline.store.query(
        "SELECT post_id, count() AS n FROM posts FINAL WHERE event = {e:String} GROUP BY post_id",
        {"e": EVENT},
    )


def test_a_2xx_in_local_mode_means_stored_and_a_killed_broker_is_restarted(broker, chdb_dir):
    pipeline = RunningPipeline(_local_settings(broker, chdb_dir, "restart"))
    try:
        status, answer, _ = pipeline.post(_records(range(0, 10)))
        assert status == 200, answer
        assert len(_stored(pipeline)) == 10  # no drain: the 2xx came after the store
        _kill_broker(pipeline)
        status, answer, headers = pipeline.post(_records(range(10, 20)))
        assert status == 503 and headers["Retry-After"] == "1", answer
        wait_for(lambda: pipeline.post(_records(range(10, 20)))[0] == 200, 90, "the restarted broker")
        assert len(_stored(pipeline)) == 20
        # the aggregator holds every partition of the re-created topics, as the new broker has them:
        # Tansu creates a topic a client asks about before sada does with 4 partitions, whatever
        # the client asks (docs/decisions.md, "Rebalances and broker restarts with kafka-python 3 and Tansu")
        assert pipeline.local.aggregator.consumer.assignment() == _partitions(pipeline.local.settings)
    finally:
        pipeline.close()


async def _client(url: str, ids: itertools.count, acked: set[int], answers: list[int], until: float) -> None:
    """Send records in tens, each chunk until it is answered 2xx (503: after Retry-After)."""
    while time.monotonic() < until:
        first = next(ids) * 10
        while True:
            status, _, headers = await post(url, _records(range(first, first + 10)))
            answers.append(status)
            if status == 200:
                acked.update(range(first, first + 10))
                break
            assert status == 503 and headers.get("Retry-After"), status
            await asyncio.sleep(0.2)


async def _clients(url: str, acked: set[int], answers: list[int], until: float) -> None:
    ids = itertools.count()
    await asyncio.gather(*(_client(url, ids, acked, answers, until) for _ in range(4)))


@pytest.mark.slow
def test_chaos_broker_and_aggregator_killed_mid_stream(broker, chdb_dir):
    pipeline = RunningPipeline(_local_settings(broker, chdb_dir, "chaos"))
    acked: set[int] = set()
    answers: list[int] = []
    try:
        until = time.monotonic() + 25
        stream = asyncio.run_coroutine_threadsafe(
            _clients(pipeline.collector, acked, answers, until), pipeline.loop
        )
        wait_for(lambda: len(acked) >= 200, 30, "the first records stored")
        _kill_broker(pipeline)
        wait_for(lambda: len(acked) >= 600, 60, "records stored after the broker restart")
        aggregator = pipeline.local.aggregator
        aggregator.processor.turn = _die  # the consumer thread dies on its next turn, its batch unwritten
        wait_for(lambda: aggregator.liveness() is not None, 10, "the aggregator to die")
        # local mode's supervisor starts the consumer again; posts meanwhile wait for the store
        wait_for(lambda: _restarts(aggregator) >= 1 and aggregator.liveness() is None, 30, "a restart")
        stream.result(120)
        pipeline.drain(60)
        rows = {int(row["post_id"]): row["n"] for row in _stored(pipeline)}
    finally:
        pipeline.close()
    assert 503 in answers  # the crashes were felt
    assert acked <= rows.keys()  # every record answered 2xx is stored …
    assert all(count == 1 for count in rows.values())  # … once


def _partitions(settings: Settings) -> set[TopicPartition]:
    """Every partition of sada's topics, as the broker describes them now."""
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    try:
        described = admin.describe_topics(bus.topic_names(settings))
    finally:
        admin.close()
    return {TopicPartition(t["name"], p["partition_index"]) for t in described for p in t["partitions"]}


def _restarts(aggregator) -> float:
    return aggregator.metrics.registry.get_sample_value("sada_aggregator_restarts_total") or 0


def _die() -> None:
    raise RuntimeError("the aggregator was killed by the chaos test")
