"""Kafka failures on the produce path: every one answers 503 with Retry-After, never 500, and the
publisher recovers once the broker is back; records as large as SADA_MAX_RECORD_BYTES go through."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest
from harness import RunningPipeline, ndjson, pipeline_settings, post, wait_for
from harness.secure import new_broker

from services.collector.intake import now_ns, validate_body
from services.collector.publisher import KafkaUnavailable, Publisher
from shared import bus


def _record(n: int, **extra) -> dict:
    return {
        "type": "post",
        "event": "outage",
        "platform": "x",
        "post_id": str(n),
        "created_at": "2026-10-26T09:00:00Z",
        **extra,
    }


async def _stream(url: str, first: int, count: int) -> list[tuple[int, dict, dict]]:
    """``count`` posts, four at a time."""
    answers = []
    for start in range(first, first + count, 4):
        answers += await asyncio.gather(*(post(url, ndjson([_record(n)])) for n in range(start, start + 4)))
    return answers


def _only_2xx_or_503(answers: list[tuple[int, dict, dict]]) -> list[int]:
    for status, answer, headers in answers:
        assert status == 200 or (status == 503 and headers.get("Retry-After") == "2" and answer["error"]), (
            status,
            answer,
        )
    return [status for status, _, _ in answers]


@pytest.mark.slow
def test_a_hung_then_dead_broker_answers_503_with_retry_after_and_the_publisher_recovers(chdb_dir):
    broker = new_broker().start()  # the session's kind: plain, or behind TLS and SCRAM
    settings = pipeline_settings(
        broker,
        chdb_dir,
        "hung",
        kafka_request_timeout_ms=1_000,
        kafka_delivery_timeout_ms=2_000,
        kafka_max_block_ms=1_000,
        produce_retry_after_s=2,
    )
    pipeline = RunningPipeline(settings)
    try:
        assert set(_only_2xx_or_503(pipeline.call(_stream(pipeline.collector, 0, 8)))) == {200}
        assert broker.process is not None
        os.kill(broker.process.pid, signal.SIGSTOP)  # hung: the acks time out with records pending
        try:
            hung = _only_2xx_or_503(pipeline.call(_stream(pipeline.collector, 100, 8)))
        finally:
            os.kill(broker.process.pid, signal.SIGCONT)
        assert 503 in hung
        broker.process.kill()  # dead
        broker.process.wait()
        assert set(_only_2xx_or_503(pipeline.call(_stream(pipeline.collector, 200, 8)))) == {503}
        broker.start()  # back on the same port, empty
        bus.ensure_topics(settings)
        wait_for(lambda: pipeline.post(ndjson([_record(300)]))[0] == 200, 60, "the collector to accept again")
        assert set(_only_2xx_or_503(pipeline.call(_stream(pipeline.collector, 400, 8)))) == {200}
    finally:
        pipeline.close()
        broker.stop()


def test_a_record_as_large_as_the_record_limit_is_produced_and_stored(settings):
    """The producer's and the topics' limits follow SADA_MAX_RECORD_BYTES (Kafka's default is 1 MiB)."""
    big = settings.model_copy(update={"max_record_bytes": 2_000_000, "kafka_topic_prefix": "big."})
    pipeline = RunningPipeline(big)
    try:
        record = _record(1, text="x" * 1_500_000)
        status, answer, _ = pipeline.post(ndjson([record]))
        assert status == 200, answer
        pipeline.drain()
        rows = pipeline.store.query("SELECT length(text) AS n FROM posts FINAL WHERE post_id = '1'")
        assert rows == [{"n": 1_500_000}]
    finally:
        pipeline.close()


@pytest.mark.parametrize("compression", ["lz4", "gzip", "none"])
def test_every_producer_compression_is_stored_by_the_aggregator(settings, compression):
    """SADA_KAFKA_COMPRESSION: whatever the collector compresses with, the aggregator reads it."""
    chosen = settings.model_copy(
        update={"kafka_compression": compression, "kafka_topic_prefix": f"compressed-{compression}."}
    )
    pipeline = RunningPipeline(chosen)
    try:
        status, answer, _ = pipeline.post(ndjson([_record(n, text="sada " * 50) for n in range(40)]))
        assert status == 200, answer
        pipeline.drain()
        rows = pipeline.store.query(
            "SELECT count() AS n FROM posts FINAL WHERE event = 'outage' AND startsWith(text, 'sada ')"
        )
        assert rows == [{"n": 40}]
    finally:
        pipeline.close()


def test_after_a_broker_restart_nothing_is_sent_before_the_topics_are_back(settings):
    """A record sent to a restarted (empty) broker before the supervisor re-creates sada's topics
    would make the broker create the topic with its own partition count; the publisher refuses
    (503) until it is told the topics are back."""
    fresh = settings.model_copy(update={"kafka_topic_prefix": "restarting."})
    publisher = Publisher(fresh)
    intake = validate_body(ndjson([_record(1)]), "application/x-ndjson", now_ns())
    try:
        publisher.broker_restarted()
        with pytest.raises(KafkaUnavailable, match="restarting"):
            publisher.publish(intake, "http:test")
        admin = bus.admin_client(fresh)
        try:
            assert not [t for t in admin.list_topics() if t.startswith("restarting.")]
        finally:
            admin.close()
        bus.ensure_topics(fresh)
        publisher.topics_ready()
        publisher.publish(intake, "http:test")
        assert publisher.produced().lag({}) == 1
    finally:
        publisher.close()
