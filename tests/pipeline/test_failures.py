"""The promises of DESIGN §6 under failure: a killed aggregator, Kafka gone, the store failing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from harness import TOKEN, Collector, RunningPipeline, env_of, ndjson, sada, wait_for
from harness.secure import client_security, new_broker
from reference import reference_summary

from services.demo.simulator import seed_event
from shared import bus
from shared.events import validate_object
from shared.settings import Settings

REFERENCE_KEYS = ("event", "totals", "engagement_rate", "platforms", "mentions", "rejected")


def start_aggregator(settings: Settings, data_dir: Path, **env: str) -> subprocess.Popen[str]:
    """``sada aggregator`` as distributed mode runs it: ``sada migrate`` first (the services only
    wait for the schema), then the service, on its own chDB data directory."""
    environment = {**os.environ, **env_of(settings, SADA_DATA_DIR=str(data_dir), **env)}
    migrated = sada("migrate", env=env_of(settings, SADA_DATA_DIR=str(data_dir)))
    assert migrated.returncode == 0, migrated.stderr
    return subprocess.Popen(
        [sys.executable, "-m", "services.cli", "-v", "aggregator"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_line(process: subprocess.Popen[str], needle: str, count: int = 1, timeout_s: float = 60) -> None:
    """Read the child's log until ``needle`` has appeared ``count`` times."""
    seen, deadline = 0, time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            raise AssertionError(f"the aggregator exited (code {process.poll()}) before logging {needle!r}")
        if needle in line:
            seen += 1
            if seen >= count:
                return
    raise AssertionError(f"no {needle!r} x{count} within {timeout_s} s")


def drained(settings: Settings, produced: bus.Offsets, group: str) -> bool:
    return produced.reached_by(bus.committed_offsets(settings, group))


def summary_of(settings: Settings, data_dir: Path, event: str) -> dict:
    done = sada(
        "report",
        "summary",
        "--event",
        event,
        env=env_of(settings, SADA_DATA_DIR=str(data_dir), SADA_TOP_POSTS="25"),
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.slow
def test_a_killed_aggregator_loses_nothing_and_counts_nothing_twice(settings, tmp_path):
    records = seed_event()
    stream = records + records[::7]  # re-sent records on top
    with Collector(settings) as collector:
        collector.post_all(stream, chunk=1000)
        produced = collector.publisher.produced()
    small_batches = {"SADA_BATCH_MAX_RECORDS": "400", "SADA_BATCH_MAX_AGE_MS": "2000"}

    crashed = start_aggregator(settings, tmp_path / "crashed", **small_batches)
    try:
        wait_for_line(crashed, "stored batch", count=3)  # logged after the insert, before the commit
        crashed.send_signal(signal.SIGKILL)
        crashed.wait(10)
    finally:
        crashed.kill()
    committed = bus.committed_offsets(settings)
    assert not produced.reached_by(committed), "the crash came too late to test anything"
    assert produced.lag(committed) < produced.lag({}), "nothing was committed before the crash"

    restarted = start_aggregator(settings, tmp_path / "crashed", **small_batches)
    try:
        wait_for(
            lambda: drained(settings, produced, settings.consumer_group), 120, "the restarted aggregator"
        )
    finally:
        restarted.terminate()
        restarted.wait(30)

    calm = settings.model_copy(update={"consumer_group": f"{settings.consumer_group}-calm"})
    uninterrupted = start_aggregator(calm, tmp_path / "calm")
    try:
        wait_for(lambda: drained(calm, produced, calm.consumer_group), 120, "the uninterrupted aggregator")
    finally:
        uninterrupted.terminate()
        uninterrupted.wait(30)

    event = records[0]["event"]
    after_crash = summary_of(settings, tmp_path / "crashed", event)
    without_crash = summary_of(settings, tmp_path / "calm", event)
    assert after_crash == without_crash
    reference = reference_summary([validate_object(r) for r in stream], event)
    assert {key: after_crash[key] for key in REFERENCE_KEYS} == reference


@pytest.mark.slow
def test_without_kafka_the_collector_answers_503_then_accepts_again(chdb_dir):
    broker = new_broker().start()  # the session's kind: plain, or behind TLS and SCRAM
    settings = Settings(
        data_dir=chdb_dir,
        kafka_bootstrap=broker.bootstrap,
        kafka_security=client_security(broker),
        ingest_tokens=[TOKEN],
        kafka_request_timeout_ms=1_000,
        kafka_delivery_timeout_ms=3_000,
        kafka_max_block_ms=1_000,
        produce_retry_after_s=2,
    )
    collector = Collector(settings)
    record = {
        "type": "post",
        "event": "outage",
        "platform": "x",
        "post_id": "1",
        "created_at": "2026-10-26T09:00:00Z",
    }

    def send() -> tuple[int, dict, dict]:
        return collector.post(ndjson([record]))

    try:
        assert send()[0] == 200
        broker.stop()
        status, answer, headers = send()
        assert status == 503
        assert headers["Retry-After"] == "2"
        assert "retry" in answer["error"]
        ready = collector.get(f"{collector.url}/readyz")
        assert ready[0] == 503 and ready[1]["checks"] == {"kafka": False}

        broker.start()  # the same address, an empty broker
        status = wait_for(
            lambda: (s := send()[0]) == 200 and s,
            60,
            "the collector to accept again",
        )
        assert status == 200
        assert collector.get(f"{collector.url}/readyz")[0] == 200
        consumer = bus.make_consumer(settings, group="outage-reader")
        consumer.subscribe([settings.topic("posts")])
        got = wait_for(
            lambda: [m for batch in consumer.poll(500).values() for m in batch],
            30,
            "the record on the restarted broker",
        )
        consumer.close()
        assert json.loads(got[0].value)["post_id"] == "1"
    finally:
        collector.close()
        broker.stop()


@pytest.mark.slow
def test_with_the_store_failing_the_aggregator_retries_without_committing(settings):
    with RunningPipeline(settings.model_copy(update={"store_retry_max_ms": 300})) as pipeline:
        records = seed_event()[:600]
        event = records[0]["event"]
        pipeline.store.client.command("DETACH TABLE posts")
        status, _, _ = pipeline.post(ndjson(records))
        assert status == 200
        aggregator = pipeline.local.aggregator
        wait_for(lambda: not aggregator.store_ok, 30, "the aggregator to notice the store failing")
        failed_inserts = aggregator.metrics.registry.get_sample_value
        wait_for(lambda: failed_inserts("sada_aggregator_store_errors_total") >= 3, 30, "several retries")
        assert bus.committed_offsets(settings) == {}
        assert pipeline.get(f"{pipeline.local.urls['aggregator']}/readyz")[0] == 503
        status, text = pipeline.get(f"{pipeline.local.urls['aggregator']}/v1/status")
        assert "posts" in text["last_error"]

        pipeline.store.client.command("ATTACH TABLE posts")
        pipeline.drain()
        assert aggregator.store_ok
        got = pipeline.get(f"{pipeline.reporter}/v1/events/{event}/summary")[1]
        reference = reference_summary([validate_object(r) for r in records], event)
        assert {key: got[key] for key in REFERENCE_KEYS} == reference


def test_sada_run_writes_the_seed_figures_and_every_bad_line(tmp_path):
    records = seed_event()
    lines = [json.dumps(r, ensure_ascii=False).encode() for r in records]
    lines += lines[:500]  # duplicates
    bad = {
        b'{"type": "post", "event": "ausim-2022"': "invalid JSON",
        b'{"type":"metrics","event":"ausim-2022","platform":"x","post_id":"x-1","observed_at":'
        b'"2022-10-27T10:00:00Z","likes":-5}': "likes",
        b'{"type":"post","event":"ausim-2022","platform":"orkut","post_id":"o","created_at":'
        b'"2022-10-27T10:00:00Z"}': "platform",
        b'{"type":"post","event":"ausim-2022","platform":"x","post_id":"f","created_at":'
        b'"2999-01-01T00:00:00Z"}': "created_at",
        b'\xff{"type":"post"}': "UTF-8",
    }
    positions = [7, 100, 2000, 3500, len(lines) - 1]
    for position, raw in sorted(zip(positions, bad, strict=False), reverse=True):
        lines.insert(position, raw)
    source = tmp_path / "ausim-2022.ndjson"
    source.write_bytes(b"\n".join(lines) + b"\n")

    done = sada("run", "--input", str(source), "--out", str(tmp_path / "out"), env={}, timeout=600)
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "out" / "summary-ausim-2022.json").read_text("utf-8"))
    assert summary["totals"]["posts"] == 932
    assert summary["totals"]["views"] == 314_000
    assert summary["totals"]["engagements"] == 246_000
    assert summary["platforms"]["linkedin"]["engagement_rate"]["by_impressions"] == pytest.approx(0.0984)
    assert summary["mentions"]["articles"] == 316 and summary["mentions"]["countries"] == 22
    assert summary["rejected"] == 3  # the two bad lines whose event slug could not be read are not counted

    rejected = [json.loads(line) for line in (tmp_path / "out" / "rejected.ndjson").read_text().splitlines()]
    assert sorted(r["line"] for r in rejected) == [n for n, line in enumerate(lines, start=1) if line in bad]
    for item in rejected:
        raw = lines[item["line"] - 1]
        assert item["raw"] == raw.decode("utf-8", "replace")
        assert bad[raw] in item["field"] or bad[raw] in item["reason"]
        assert item["source"] == "http:ausim-2022.ndjson"
    assert "wrote" in done.stderr
