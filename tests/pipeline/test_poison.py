"""A poison message never stops the aggregator (services/aggregator/decode.py): messages produced
straight to the topic with kafka-python, that once killed the consumer thread on the same offset
after every restart, become dead letters with their reasons and the records after them are stored;
and local mode starts a dead consumer thread again (services/local.py)."""

from __future__ import annotations

import json

from harness import RunningPipeline, wait_for

from shared import bus
from shared.settings import Settings

EVENT = "poison"
YEAR_ONE = {
    "type": "post",
    "event": EVENT,
    "platform": "x",
    "post_id": "year-one",
    "created_at": "0001-01-01T00:00:00+14:00",
}
DEEP = b'{"type":"post","event":"poison","platform":"x","x":' + b"[" * 5000 + b"]" * 5000 + b"}"


def good(count: int, prefix: str = "good") -> list[dict]:
    at = "2024-05-01T10:00:00Z"
    return [
        {"type": "post", "event": EVENT, "platform": "x", "post_id": f"{prefix}{n}", "created_at": at}
        for n in range(count)
    ]


def produce(settings: Settings, values: list[bytes]) -> None:
    """Straight to the posts topic, one partition, as a producer other than the collector would."""
    producer = bus.make_producer(settings)
    try:
        for value in values:
            producer.send(settings.topic("posts"), key=b"x:same", value=value)
        producer.flush(30)
    finally:
        producer.close()


def stored(pipeline, prefix: str) -> set[str]:
    rows = pipeline.store.query(
        "SELECT post_id FROM posts FINAL WHERE event = {e:String} AND startsWith(post_id, {p:String})",
        {"e": EVENT, "p": prefix},
    )
    return {row["post_id"] for row in rows}


def test_poison_messages_become_dead_letters_and_the_consumer_goes_on(pipeline):
    settings = pipeline.local.settings
    produce(settings, [json.dumps(YEAR_ONE).encode(), DEEP, *(json.dumps(r).encode() for r in good(20))])
    wait_for(lambda: len(stored(pipeline, "good")) == 20, 60, "the records after the poison ones")
    query = "SELECT field, reason, raw FROM rejected FINAL ORDER BY reason"
    rejected = wait_for(lambda: pipeline.store.query(query), 30, "the dead letters")
    assert [(r["field"], r["reason"]) for r in rejected] == [
        ("created_at", "'0001-01-01T00:00:00+14:00' is before 2000-01-01"),
        ("", "invalid JSON: nested 5001 levels deep; at most 64 are accepted"),
    ]
    assert {bytes(r["raw"]) if not isinstance(r["raw"], str) else r["raw"].encode() for r in rejected} == {
        json.dumps(YEAR_ONE).encode(),
        DEEP,
    }
    aggregator = pipeline.local.aggregator
    assert aggregator.liveness() is None
    assert aggregator.metrics.registry.get_sample_value("sada_aggregator_restarts_total") == 0


def test_local_mode_starts_a_dead_consumer_again(settings):
    pipeline = RunningPipeline(settings.model_copy(update={"aggregator_restart_initial_s": 0.1}))
    try:
        aggregator = pipeline.local.aggregator
        store = aggregator.store
        write_records = store.write_records  # posts, snapshots, interactions and their rollups
        failures: list[str] = []

        def fail_once(rows, origins):
            if not failures:
                failures.append(",".join(rows))
                raise KeyError("something no one planned for")
            write_records(rows, origins)

        store.write_records = fail_once
        pipeline.post_all(good(50, "after"))
        assert failures and stored(pipeline, "after") == {f"after{n}" for n in range(50)}
        assert aggregator.metrics.registry.get_sample_value("sada_aggregator_restarts_total") == 1
        wait_for(lambda: aggregator.liveness() is None, 30, "the consumer to be alive")
    finally:
        pipeline.close()
