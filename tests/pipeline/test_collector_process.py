"""Local mode's collector runs in a process of its own (services/collector/process.py): a 2xx
still means stored, a killed collector process answers no 2xx for what it held and is started
again on the same URL, and whichever way local mode ends, no collector process is left behind."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest
from harness import RunningPipeline, pipeline_settings, post, wait_for, x_posts

from shared.settings import Settings

EVENT = "collproc"


def _local_settings(broker, chdb_dir, name: str, **overrides) -> Settings:
    """Local mode with its own broker, so a 2xx waits for the store (DESIGN §6)."""
    values = {"kafka_bootstrap": "", "local_stored_wait_s": 60, "aggregator_restart_initial_s": 0.2}
    return pipeline_settings(broker, chdb_dir, name, **{**values, **overrides})


def _records(ids: range) -> bytes:
    return x_posts(EVENT, ids)


def _stored(pipeline: RunningPipeline) -> set[int]:
    rows = pipeline.store.query(
        "SELECT DISTINCT post_id FROM posts FINAL WHERE event = {e:String}", {"e": EVENT}
    )
    return {int(row["post_id"]) for row in rows}


async def _answer(url: str, body: bytes) -> int | str:
    """The status, or the connection's error when the collector went away without answering."""
    try:
        return (await post(url, body))[0]
    except aiohttp.ClientError as exc:
        return type(exc).__name__


def test_a_killed_collector_process_answers_no_2xx_and_is_started_again(broker, chdb_dir):
    pipeline = RunningPipeline(_local_settings(broker, chdb_dir, "collproc_kill"))
    aggregator = pipeline.local.aggregator
    reports = aggregator.on_stored
    try:
        url, first = pipeline.collector, pipeline.local.collector.process_id()
        aggregator.on_stored = lambda generation, offsets: None  # stored, but the collector never learns it
        waiting = [
            asyncio.run_coroutine_threadsafe(
                _answer(url, _records(range(n * 10, n * 10 + 10))), pipeline.loop
            )
            for n in range(4)
        ]
        wait_for(lambda: len(_stored(pipeline)) == 40, 60, "the records stored while their POSTs wait")
        assert not any(answer.done() for answer in waiting)  # they wait for the gate, not Kafka
        os.kill(first, signal.SIGKILL)
        answers = [answer.result(30) for answer in waiting]
        assert not any(isinstance(a, int) and 200 <= a < 300 for a in answers), answers
        aggregator.on_stored = reports
        # the supervisor starts a new collector process on the same URL; a resend is answered 2xx
        collector = pipeline.local.collector
        # (the killed one may look alive for a moment, until it is reaped: hence "another one")
        wait_for(lambda: collector.serving and collector.process_id() != first, 60, "another process serving")
        status, answer, _ = pipeline.post(_records(range(0, 40)))
        assert status == 200 and answer["accepted"] == 40, answer
        status, answer, _ = pipeline.post(_records(range(40, 50)))
        assert status == 200, answer
        assert _stored(pipeline) == set(range(50))  # no drain: the new process's 2xx came after the store
        assert pipeline.collector == url
    finally:
        aggregator.on_stored = reports
        pipeline.close()


def test_a_broker_restart_fails_the_posts_the_collector_process_holds(broker, chdb_dir):
    """The broker's new generation reaches the child: POSTs whose acks came from the dead broker
    are answered 503 at once (not after SADA_LOCAL_STORED_WAIT_S), and a resend is stored."""
    pipeline = RunningPipeline(_local_settings(broker, chdb_dir, "collproc_broker", local_stored_wait_s=600))
    aggregator = pipeline.local.aggregator
    reports = aggregator.on_stored
    try:
        aggregator.on_stored = lambda generation, offsets: None
        waiting = [
            asyncio.run_coroutine_threadsafe(
                _answer(pipeline.collector, _records(range(n, n + 5))), pipeline.loop
            )
            for n in (0, 5)
        ]
        wait_for(lambda: len(_stored(pipeline)) == 10, 60, "the records stored while their POSTs wait")
        aggregator.on_stored = reports
        local_broker = pipeline.local.broker
        assert local_broker is not None and local_broker.process is not None
        local_broker.process.kill()
        assert [answer.result(120) for answer in waiting] == [503, 503]
        wait_for(lambda: pipeline.post(_records(range(10, 15)))[0] == 200, 90, "the restarted broker")
        assert _stored(pipeline) == set(range(15))
    finally:
        aggregator.on_stored = reports
        pipeline.close()


def _waiting_for_store(url: str) -> float:
    async def scrape() -> float:
        async with aiohttp.ClientSession() as session, session.get(f"{url}/metrics") as response:
            text = await response.text()
        return next(
            float(line.split()[1])
            for line in text.splitlines()
            if line.startswith("sada_collector_waiting_for_store ")
        )

    return asyncio.run(scrape())


def test_every_post_in_flight_waits_for_the_store_at_once(broker, chdb_dir):
    """The collector process gives each POST waiting for its records to be stored a thread of its
    own: forty at once all wait together (with asyncio's default executor, cores + 4 and at most
    32 threads, the rest queued behind them and answered late), and all are answered once stored."""
    pipeline = RunningPipeline(_local_settings(broker, chdb_dir, "collproc_waiting"))
    aggregator = pipeline.local.aggregator
    reports = aggregator.on_stored
    try:
        aggregator.on_stored = lambda generation, offsets: None  # stored, the collector not told yet
        waiting = [
            asyncio.run_coroutine_threadsafe(
                _answer(pipeline.collector, _records(range(n, n + 1))), pipeline.loop
            )
            for n in range(40)
        ]
        wait_for(lambda: len(_stored(pipeline)) == 40, 60, "the records stored while their POSTs wait")
        wait_for(lambda: _waiting_for_store(pipeline.collector) == 40, 30, "every POST waiting at once")
        aggregator.on_stored = reports
        # new records on every partition: their store reports cover the offsets before them
        assert pipeline.post(_records(range(40, 100)))[0] == 200
        assert [answer.result(60) for answer in waiting] == [200] * 40
        assert _waiting_for_store(pipeline.collector) == 0
    finally:
        aggregator.on_stored = reports
        pipeline.close()


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found.update(int(child) for child in (task / "children").read_text().split())
    return found


def _gone(pid: int) -> bool:
    """Exited (a zombie nobody reaped counts: it runs nothing and holds no port)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "State:\tZ" in status


def _catches(pid: int, sig: int) -> bool:
    """The process has a handler for ``sig`` (``sada up`` installs SIGINT's and SIGTERM's once up)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) & (1 << (sig - 1)))
    return False


def _cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; PR_SET_PDEATHSIG is Linux's")
@pytest.mark.parametrize("ending", ["SIGKILL", "SIGTERM", "Ctrl-C"])
def test_no_collector_process_outlives_local_mode(tmp_path, ending):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SADA_")}
    env["SADA_DATA_DIR"] = str(tmp_path / "data")
    up = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "up"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: Ctrl-C reaches it and its children only
    )
    said: list[str] = []
    try:
        assert up.stdout is not None
        for line in up.stdout:
            said.append(line)
            if "Ctrl-C stops it" in line:
                break
        assert up.poll() is None, "".join(said)
        wait_for(lambda: _catches(up.pid, signal.SIGTERM), 30, "sada up to wait for a signal")
        collectors = [c for c in _children(up.pid) if "spawn_main" in _cmdline(c)]
        assert len(collectors) == 1, [_cmdline(c) for c in _children(up.pid)]
        children = _children(up.pid)
        if ending == "SIGKILL":
            up.kill()
        elif ending == "SIGTERM":
            up.terminate()
        else:
            os.killpg(up.pid, signal.SIGINT)
        code = up.wait(120)
        if ending != "SIGKILL":
            assert code == 0, "".join(said) + up.stdout.read()
        deadline = time.monotonic() + 30
        while not all(_gone(child) for child in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert all(_gone(child) for child in children), [_cmdline(c) for c in children if not _gone(c)]
    finally:
        if up.poll() is None:
            up.kill()
            up.wait()


def test_local_mode_keeps_its_start_up_heap_out_of_full_collections_until_it_stops(broker, chdb_dir):
    # shared/heap.py: the full passes of the cycle collector skip what start-up made (frozen)
    assert gc.get_freeze_count() == 0  # nothing frozen by an earlier test: the freeze is this one's
    pipeline = RunningPipeline(_local_settings(broker, chdb_dir, "collproc_heap"))
    try:
        assert gc.get_freeze_count() > 0
        status, answer, _ = pipeline.post(_records(range(3)))
        assert status == 200 and answer["accepted"] == 3, answer
    finally:
        pipeline.close()
    assert gc.get_freeze_count() == 0  # handed back to the collector once stopped
