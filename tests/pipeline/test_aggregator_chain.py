"""The aggregator's consumer loop on a real broker and a real store (services/aggregator):
it pauses its partitions and keeps polling while the store fails, lets go of them within a
time limit when the group rebalances, and /healthz tells when its thread died or is stuck."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import aiohttp
import pytest
from harness import wait_for
from reference import reference_post_figures

from services.aggregator.service import Aggregator, create_app
from shared import bus
from shared.events import COUNTERS, validate_object
from shared.http import start_site
from shared.settings import Settings
from shared.store import Store, connect, open_store

EVENT = "chain"


def records(count: int) -> list[dict]:
    posts = [
        {"type": "post", "post_id": f"p{n}", "created_at": f"2024-05-01T10:{n % 60:02d}:00Z"}
        for n in range(count // 4)
    ]
    likes = [
        {
            "type": "interaction",
            "post_id": f"p{n % (count // 4)}",
            "interaction_id": f"i{n}",
            "kind": "like",
            "occurred_at": "2024-05-01T11:00:00Z",
        }
        for n in range(count - len(posts))
    ]
    return [{"event": EVENT, "platform": "x", **r} for r in posts + likes]


def produce(settings: Settings, batch: list[dict]) -> None:
    producer = bus.make_producer(settings)
    try:
        for record in batch:
            topic = settings.topic(bus.RECORD_TOPICS[record["type"]])
            producer.send(topic, key=record["post_id"].encode(), value=json.dumps(record).encode())
        producer.flush(30)
    finally:
        producer.close()


def stored_figures(store: Store) -> dict:
    rows = store.query("SELECT * FROM post_figures(event = {e:String})", {"e": EVENT})
    return {(r["platform"], r["post_id"]): {c: int(r[c]) for c in (*COUNTERS, "engagements")} for r in rows}


def expected_figures(sent: list[dict]) -> dict:
    figures, _ = reference_post_figures([validate_object(r) for r in sent], EVENT)
    return {key: {c: v[c] for c in (*COUNTERS, "engagements")} for key, v in figures.items()}


def healthz(aggregator: Aggregator) -> tuple[int, dict]:
    async def get() -> tuple[int, dict]:
        runner, url = await start_site(create_app(aggregator), "127.0.0.1", 0)
        try:
            async with aiohttp.ClientSession() as session, session.get(f"{url}/healthz") as response:
                return response.status, await response.json()
        finally:
            await runner.cleanup()

    return asyncio.run(get())


@pytest.fixture
def store(settings: Settings) -> Store:
    bus.ensure_topics(settings)
    return open_store(settings)


@pytest.fixture
def aggregators() -> Iterator[list[Aggregator]]:
    started: list[Aggregator] = []
    yield started
    for aggregator in started:
        aggregator.close()


def start(settings: Settings, started: list[Aggregator], **options: float) -> Aggregator:
    aggregator = Aggregator(settings, Store(connect(settings)), **options).start()
    started.append(aggregator)
    return aggregator


def fail_and_send(settings: Settings, store: Store, aggregator: Aggregator) -> list[dict]:
    """Make the store fail and send records until the consumer pauses: the chain holds the batch
    it cannot write, closes the next one by age and then refuses messages. Returns what was sent."""
    store.client.command("DETACH TABLE posts")
    sent = records(400)
    produce(settings, sent[:200])
    wait_for(lambda: not aggregator.store_ok, 30, "the aggregator to notice the store failing")
    # the rest, again and again (a re-sent record counts once) until the chain refuses it
    wait_for(
        lambda: aggregator.processor.paused or produce(settings, sent[200:]),
        30,
        "the consumer to pause its partitions",
        interval_s=0.5,
    )
    return sent


def test_while_the_store_fails_the_consumer_pauses_keeps_polling_and_resumes(settings, store, aggregators):
    failing = settings.model_copy(update={"store_retry_initial_ms": 50, "store_retry_max_ms": 200})
    aggregator = start(failing, aggregators, stuck_after_s=5.0)
    wait_for(lambda: aggregator.consumer.assignment(), 30, "the partitions")
    sent = fail_and_send(settings, store, aggregator)
    errors = aggregator.metrics.registry.get_sample_value
    wait_for(lambda: errors("sada_aggregator_store_errors_total") >= 3, 30, "several retries")
    # the loop still turns (it polls, so the group keeps it), and nothing is committed
    turned = aggregator.processor.last_turn
    wait_for(lambda: aggregator.processor.last_turn > turned, 5, "another turn of the loop")
    assert aggregator.processor.paused and aggregator.liveness() is None
    assert bus.committed_offsets(settings) == {}

    store.client.command("ATTACH TABLE posts")
    wait_for(lambda: not aggregator.processor.paused, 30, "the partitions to resume")
    wait_for(lambda: stored_figures(store) == expected_figures(sent), 60, "every record stored")
    assert aggregator.store_ok and aggregator.consumer.paused() == set()


def test_a_revocation_waits_for_a_failing_store_only_so_long(settings, store, aggregators):
    """A second consumer joins while the first holds a batch it cannot write: the first lets
    go of its partitions after its time limit (meanwhile /healthz says it is stuck), so the
    group rebalances; once the store is back the two store everything."""
    failing = settings.model_copy(update={"store_retry_initial_ms": 50, "store_retry_max_ms": 200})
    first = start(failing, aggregators, revoke_timeout_s=4.0, stuck_after_s=1.0)
    wait_for(lambda: first.consumer.assignment(), 30, "the first consumer's partitions")
    sent = fail_and_send(settings, store, first)

    second = start(failing, aggregators)
    wait_for(lambda: healthz(first)[0] == 503, 30, "the first consumer to be stuck in the revocation")
    assert "not turned" in healthz(first)[1]["reason"]
    wait_for(lambda: second.consumer.assignment(), 60, "the group to rebalance")
    wait_for(lambda: healthz(first)[0] == 200, 30, "the first consumer to turn again")

    store.client.command("ATTACH TABLE posts")
    wait_for(lambda: stored_figures(store) == expected_figures(sent), 60, "every record stored")


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_healthz_answers_503_when_the_consumer_thread_died(settings, store, aggregators):
    aggregator = start(settings, aggregators)
    wait_for(lambda: aggregator.consumer.assignment(), 30, "the partitions")
    assert healthz(aggregator) == (200, {"status": "ok", "service": "aggregator"})
    aggregator.consumer.close()  # the loop's next poll fails: the thread ends on the error
    wait_for(lambda: not aggregator._thread.is_alive(), 30, "the consumer thread to die")
    status, answer = healthz(aggregator)
    assert status == 503 and answer["reason"] == "the consumer thread has stopped"


def test_a_revocation_writes_and_commits_what_the_chain_holds(settings, store, aggregators, caplog):
    """The rebalance listener runs on kafka-python's network thread, where a blocking commit is
    refused: the batch held at a revocation is written and its offsets committed all the same,
    and the consumer thread lives on."""
    slow = settings.model_copy(update={"batch_max_age_ms": 120_000})  # batches close only by revocation
    first = start(slow, aggregators, revoke_timeout_s=10.0)
    wait_for(lambda: first.consumer.assignment(), 30, "the first consumer's partitions")
    sent = records(200)
    produce(settings, sent)
    wait_for(lambda: consumed(first, settings) >= 200, 30, "the first consumer to read them")
    assert stored_figures(store) == {}  # held in the open batch

    second = start(slow, aggregators)
    wait_for(lambda: second.consumer.assignment(), 60, "the group to rebalance")
    wait_for(lambda: stored_figures(store) == expected_figures(sent), 30, "the held batch written")
    wait_for(lambda: sum(bus.committed_offsets(settings).values()) >= 200, 30, "its offsets committed")
    assert first.liveness() is None and second.liveness() is None
    assert "failed on_partitions_revoked" not in caplog.text


def consumed(aggregator: Aggregator, settings: Settings) -> float:
    sample = aggregator.metrics.registry.get_sample_value
    return sum(sample("sada_aggregator_records_total", {"topic": t}) or 0 for t in bus.topic_names(settings))
