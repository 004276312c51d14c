"""A poller's state machine without a platform or a broker: what a pass leaves in the status,
the checkpoint, Prometheus and its pass record, for each way a pass can end (success, a part
failing, every part failing, a rate-limit block, a stop a person must lift, a stop of one part,
a crash). The platform is a script of parts; the sink keeps what it was given in memory (the
pipeline test, tests/pipeline/test_poller_health.py, sends them through Kafka to ClickHouse).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from kafka.consumer.fetcher import ConsumerRecord
from prometheus_client import CollectorRegistry

from services.aggregator.decode import Decoder
from services.collector.mapping import Item
from services.collector.metrics import PollerMetrics
from services.collector.pollers.limits import Blocked, PollError, RateLimit, Stopped
from services.collector.pollers.poller import Poller
from services.collector.publisher import KafkaUnavailable
from shared import bus
from shared.passes import PollerPass, parse_pass
from shared.records import POLLER_PASSES, REJECTED
from shared.registry import Event
from shared.settings import PollingSettings, Settings

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
EVENT = Event(slug="health", hashtags=["#Sada2026"], start=T0 - timedelta(days=1), end=T0 + timedelta(days=1))
WHY, REMEDY = "the token was invalidated (code 190)", "renew it: set SADA_FACEBOOK_TOKEN"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class MemorySink:
    def __init__(self) -> None:
        self.intakes: list[Any] = []
        self.passes: list[PollerPass] = []
        self.refuse = False

    async def publish(self, intake, source: str) -> None:
        self.intakes.append(intake)

    async def report(self, passes: list[PollerPass]) -> None:
        if self.refuse:
            raise KafkaUnavailable("no broker")
        self.passes += passes


Part = Callable[[], None]


class ScriptPoller(Poller, connector="youtube", options=lambda s: s.youtube):
    """Discovery runs the guarded parts of :attr:`script` (stage → what it does), each
    publishing one post when it works; the calls are counted."""

    script: dict[str, Part]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.calls: dict[str, int] = {}

    async def discover(self) -> None:
        for stage, part in self.script.items():
            await self.guarded(stage, stage, self.run(stage, part))

    async def run(self, stage: str, part: Part) -> None:
        self.calls[stage] = self.calls.get(stage, 0) + 1
        part()
        post = {
            "type": "post",
            "event": self.event.slug,
            "platform": "youtube",
            "post_id": f"{stage}-{self.calls[stage]}",
            "created_at": self.clock().isoformat(),
        }
        await self.publish([Item(stage, b"{}", post)])


def works() -> None:
    return None


def raises(error: Exception) -> Part:
    def part() -> None:
        raise error

    return part


@pytest.fixture
def world(tmp_path: Path):
    clock, sink = Clock(), MemorySink()
    registry = CollectorRegistry()
    settings = Settings(polling=PollingSettings(state_dir=tmp_path, interval_s=60, stopped_retry_s=900))

    metrics = PollerMetrics(registry)  # one process's: a restarted poller reports under the same labels

    def make(**script: Part) -> ScriptPoller:
        """A fresh poller (as after a restart: only the checkpoint carries over); no HTTP session,
        the script calls no platform."""
        poller = ScriptPoller(settings, EVENT, None, sink, metrics, RateLimit(), clock=clock)  # type: ignore[arg-type]
        poller.script = script
        return poller

    return clock, sink, registry, make


def one_pass(poller: Poller) -> dict[str, Any]:
    return asyncio.run(poller.poll_once())


def gauge(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, {"connector": "youtube", "event": "health", **labels})


def test_a_successful_pass_is_idle_with_its_last_success_and_records(world):
    clock, sink, registry, make = world
    poller = make(search=works, channel=works)
    status = one_pass(poller)
    assert status["state"] == "idle" and status["last_success"] == "2026-05-01T09:00:00Z"
    assert status["records_last_hour"] == 2 and status["paused"] == []
    passed = sink.passes[-1]
    assert (passed.ok, passed.state, passed.records, passed.errors) == (True, "idle", 2, 0)
    assert passed.last_success == T0 and passed.interval_s == 60
    assert parse_pass(passed.to_json()) == passed  # what the aggregator reads back
    assert gauge(registry, "sada_poller_state", state="idle") == 1
    assert gauge(registry, "sada_poller_state", state="blocked") == 0
    assert gauge(registry, "sada_poller_last_success_timestamp_seconds") == T0.timestamp()
    assert gauge(registry, "sada_poller_records_last_hour") == 2
    clock.advance(minutes=61)  # the rolling hour forgets them
    assert poller.status()["records_last_hour"] == 0
    assert gauge(registry, "sada_poller_records_last_hour") == 0


def test_running_while_the_pass_runs(world):
    clock, sink, registry, make = world
    seen: list[str] = []
    poller = make()
    poller.script = {"search": lambda: seen.append(poller.status()["state"])}
    one_pass(poller)
    assert seen == ["running"] and poller.status()["state"] == "idle"


def test_last_success_moves_only_with_a_successful_pass(world):
    clock, sink, registry, make = world
    one_pass(make(search=works))
    clock.advance(minutes=1)
    # one part fails, another works: still a successful pass, the failure named
    status = one_pass(make(search=raises(PollError("HTTP 500")), channel=works))
    assert status["state"] == "idle" and status["last_success"] == "2026-05-01T09:01:00Z"
    assert status["last_error"] == "search: search: HTTP 500"
    assert (sink.passes[-1].ok, sink.passes[-1].errors) == (True, 1)
    clock.advance(minutes=1)
    # every part fails: failed, the last success stays where it was
    status = one_pass(make(search=raises(PollError("HTTP 500")), channel=raises(PollError("timeout"))))
    assert status["state"] == "failed" and status["why"] == "channel: channel: timeout"
    assert status["last_success"] == "2026-05-01T09:01:00Z"
    assert (sink.passes[-1].ok, sink.passes[-1].state) == (False, "failed")
    assert sink.passes[-1].last_success == T0 + timedelta(minutes=1)
    assert (
        gauge(registry, "sada_poller_last_success_timestamp_seconds")
        == (T0 + timedelta(minutes=1)).timestamp()
    )


def test_a_crash_is_failed_and_still_reported(world):
    clock, sink, registry, make = world
    poller = make(search=raises(RuntimeError("a bug")))
    with pytest.raises(RuntimeError):
        one_pass(poller)
    assert poller.status()["state"] == "failed"
    assert (sink.passes[-1].ok, sink.passes[-1].state) == (False, "failed")
    assert gauge(registry, "sada_poller_state", state="failed") == 1


def test_a_whole_stop_blocks_with_why_and_remedy_until_a_pass_gets_through(world):
    clock, sink, registry, make = world
    one_pass(make(search=works))
    clock.advance(minutes=1)
    poller = make(search=raises(Stopped(WHY, REMEDY)), channel=works)
    status = one_pass(poller)
    assert poller.calls == {"search": 1}  # the pass ended there: channel never ran
    assert status["state"] == "blocked" and (status["why"], status["remedy"]) == (WHY, REMEDY)
    assert status["since"] == "2026-05-01T09:01:00Z" and status["last_success"] == "2026-05-01T09:00:00Z"
    passed = sink.passes[-1]
    assert (passed.ok, passed.state, passed.why, passed.remedy) == (False, "blocked", WHY, REMEDY)
    assert gauge(registry, "sada_poller_state", state="blocked") == 1

    # In the same process: no call until the slow retry cadence, each pass still reported.
    clock.advance(minutes=5)
    assert one_pass(poller)["state"] == "blocked" and poller.calls == {"search": 1}
    assert sink.passes[-1].state == "blocked" and sink.passes[-1].why == WHY

    # A restart (a variable was set): the status shows the stop before any pass, the first
    # pass tries again at once; still refused, it keeps when it started.
    clock.advance(minutes=1)
    restarted = make(search=raises(Stopped(WHY, REMEDY)))
    assert restarted.status()["state"] == "blocked" and restarted.status()["remedy"] == REMEDY
    status = one_pass(restarted)
    assert restarted.calls == {"search": 1} and status["since"] == "2026-05-01T09:01:00Z"
    clock.advance(minutes=5)
    one_pass(restarted)
    assert restarted.calls == {"search": 1}  # 15 minutes between tries
    clock.advance(minutes=10)
    restarted.script = {"search": works}
    status = one_pass(restarted)
    assert restarted.calls == {"search": 2} and status["state"] == "idle" and "why" not in status
    assert status["last_success"] == "2026-05-01T09:22:00Z"
    assert make().status()["state"] == "idle"  # the stop is gone from the checkpoint too


def test_a_scoped_stop_skips_that_part_until_its_time_and_the_rest_goes_on(world):
    clock, sink, registry, make = world
    reset = T0 + timedelta(hours=3)
    poller = make(
        search=raises(Stopped("search quota spent", "wait for the reset", "search", reset)), channel=works
    )
    status = one_pass(poller)
    assert poller.calls == {"search": 1, "channel": 1}
    assert status["state"] == "idle" and status["last_success"] == "2026-05-01T09:00:00Z"
    assert status["paused"] == [
        {
            "scope": "search",
            "why": "search quota spent",
            "remedy": "wait for the reset",
            "since": "2026-05-01T09:00:00Z",
            "until": "2026-05-01T12:00:00Z",
        }
    ]
    assert sink.passes[-1].paused == [
        "search until 2026-05-01T12:00:00Z: search quota spent; wait for the reset"
    ]

    clock.advance(hours=1)
    restarted = make(search=works, channel=works)  # kept across a restart
    one_pass(restarted)
    assert restarted.calls == {"channel": 1} and restarted.status()["paused"][0]["scope"] == "search"

    clock.advance(hours=2)
    status = one_pass(restarted)
    assert restarted.calls == {"search": 1, "channel": 2} and status["paused"] == []


def test_a_pass_whose_only_part_is_paused_is_rate_limited_and_no_success(world):
    clock, sink, registry, make = world
    reset = T0 + timedelta(hours=3)
    poller = make(search=raises(Stopped("search quota spent", "wait for the reset", "search", reset)))
    status = one_pass(poller)
    assert status["state"] == "rate-limited" and status["until"] == "2026-05-01T12:00:00Z"
    assert status["last_success"] is None and sink.passes[-1].ok is False


def test_a_rate_limit_block_is_rate_limited_until_the_reset_then_runs_again(world):
    clock, sink, registry, make = world
    reset = T0 + timedelta(hours=2)

    def block() -> None:
        poller.block(reset)
        raise Blocked(reset, "quotaExceeded")

    poller = make(search=block, channel=works)
    status = one_pass(poller)
    assert status["state"] == "rate-limited" and status["until"] == "2026-05-01T11:00:00Z"
    assert (sink.passes[-1].state, sink.passes[-1].until, sink.passes[-1].ok) == (
        "rate-limited",
        reset,
        False,
    )
    clock.advance(hours=1)
    one_pass(poller)
    assert poller.calls == {"search": 1} and sink.passes[-1].state == "rate-limited"
    clock.advance(hours=1)
    poller.script = {"search": works}
    status = one_pass(poller)
    assert status["state"] == "idle" and status["last_success"] == "2026-05-01T11:00:00Z"


def test_a_pass_record_kafka_did_not_take_goes_with_the_next(world):
    clock, sink, registry, make = world
    poller = make(search=works)
    sink.refuse = True
    assert one_pass(poller)["state"] == "idle"  # losing the record does not fail the pass
    assert sink.passes == []
    sink.refuse = False
    clock.advance(minutes=1)
    one_pass(poller)
    assert [p.ended_at for p in sink.passes] == [T0, T0 + timedelta(minutes=1)]


# --- the pass record as the aggregator reads it ----------------------------------------------


def message(value: bytes) -> ConsumerRecord:
    topic = Settings().topic(bus.POLLERS)
    headers = [(bus.RECEIVED_NS, b"1777626005000000000")]
    return ConsumerRecord(topic, 0, -1, 7, 0, 0, b"youtube:health", value, headers, None, -1, -1, -1)


def a_pass(**fields: Any) -> dict[str, Any]:
    return {
        "event": "health",
        "connector": "youtube",
        "platform": "youtube",
        "started_at": "2026-05-01T09:00:00Z",
        "ended_at": "2026-05-01T09:00:05Z",
        "ok": True,
        "state": "idle",
        "interval_s": 60,
        **fields,
    }


def test_the_aggregator_stores_a_pass_and_dead_letters_what_is_not_one():
    decode = Decoder(Settings())
    table, row = decode(message(json.dumps(a_pass(records=4)).encode()))
    assert table == "poller_passes"
    stored = dict(zip(POLLER_PASSES.column_names, row, strict=True))
    assert (stored["connector"], stored["ok"], stored["records"], stored["version"]) == (
        "youtube",
        1,
        4,
        1777626005000000000,
    )
    for value, field in (
        (b"not json", ""),
        # a time ClickHouse cannot hold would fail the insert, and the batch for ever
        (json.dumps(a_pass(ended_at="9999-01-01T00:00:00Z")).encode(), "ended_at"),
        (json.dumps(a_pass(state="sleeping")).encode(), "state"),
        (json.dumps(a_pass(why="\ud800")).encode(), "why"),  # a lone surrogate: no UTF-8 store holds it
        (json.dumps({**a_pass(), "type": "post"}).encode(), "type"),  # not a format v1 record either
    ):
        table, row = decode(message(value))
        letter = dict(zip(REJECTED.column_names, row, strict=True))
        assert table == "rejected" and letter["field"] == field, (value, letter["reason"])
        assert letter["source"] == "kafka:sada.pollers" and letter["raw"] == value
