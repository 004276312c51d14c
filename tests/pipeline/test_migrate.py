"""Migrations once (shared/schema_lock.py, shared/schema_gate.py, services/distributed.py) and
probes that mean it (shared/http.py), against real chDB and the real broker.

chDB allows one process per data directory, so the "concurrent" migrates are threads of this
process, each with its own clients, as two pods would each have theirs.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import aiohttp
import pytest
from harness import Background, sada, wait_for

from services.distributed import SERVICES
from services.reporter.app import create_app as reporter_app
from shared.http import start_site
from shared.schema import required
from shared.schema_lock import MigrateLock
from shared.store import Store, connect, migrate_target

WAITING = {"clickhouse_schema_poll_s": 0.05, "clickhouse_schema_log_s": 0.2, "clickhouse_migrate_lock_s": 30}


@pytest.fixture
def waiting(settings):
    return settings.model_copy(update=WAITING)


def _versions(settings) -> list[int]:
    client = connect(settings, create=False)
    return [
        row[0] for row in client.query("SELECT version FROM schema_migrations ORDER BY version").result_rows
    ]


def test_a_migrate_waits_while_another_holds_the_lock_then_applies(waiting):
    said: list[str] = []
    held = MigrateLock(connect(waiting), owner="pod-a", lease_s=30)
    held.acquire()
    result: list[list[str]] = []
    second = threading.Thread(target=lambda: result.append(migrate_target(waiting, said.append)))
    second.start()
    try:
        wait_for(lambda: any("pod-a" in line and "waiting" in line for line in said), 60, "the waiting line")
        assert second.is_alive() and not result
        tables = connect(waiting, create=False).query("SHOW TABLES").result_rows
        assert ("schema_migrations",) not in tables, "it migrated without the lock"
    finally:
        held.release()
    second.join(120)
    assert result and len(result[0]) == len(required())
    assert _versions(waiting) == sorted(required())


def test_two_migrates_at_once_apply_each_migration_once(waiting):
    connect(waiting)  # the database, so both lock clients can bind to it
    with ThreadPoolExecutor(2) as pool:
        runs = [pool.submit(migrate_target, waiting, lambda _: None) for _ in range(2)]
        applied = sorted((run.result(180) for run in runs), key=len)
    assert applied[0] == [] and len(applied[1]) == len(required())
    assert _versions(waiting) == sorted(required()), "a version was applied twice"
    assert ("schema_lock",) not in connect(waiting).query("SHOW TABLES").result_rows


def test_a_lock_released_between_the_waiters_create_and_its_read_is_taken(waiting):
    """The holder drops the table right after the waiter's CREATE failed and before the waiter
    reads who holds it (what `make test` once hit with two migrates at once)."""
    held = MigrateLock(connect(waiting), owner="pod-a", lease_s=30)
    held.acquire()
    held._stop.set()  # no renewals: this test releases it by hand

    class ReleasedInBetween:
        """The waiter's real client; the holder releases once the waiter's CREATE has failed."""

        def __init__(self, client) -> None:
            self.client, self.released = client, False

        def command(self, statement, *args, **kwargs):
            try:
                return self.client.command(statement, *args, **kwargs)
            except Exception:
                if statement.startswith("CREATE") and not self.released:
                    self.released = True
                    held.release()
                raise

        def __getattr__(self, attribute):
            return getattr(self.client, attribute)

    waiter = ReleasedInBetween(connect(waiting))
    said: list[str] = []
    with MigrateLock(waiter, owner="pod-b", lease_s=30, progress=said.append) as lock:
        assert waiter.released
        assert lock.holder()[0] == "pod-b"
    assert not any("pod-a" in line for line in said), "it waited on a lock that was gone"


def test_a_lock_left_by_a_crashed_migrate_is_taken_over_once_expired(waiting):
    crashed = MigrateLock(connect(waiting), owner="crashed-pod", lease_s=0.3)
    crashed.acquire()
    crashed._stop.set()  # it dies: no more renewals, no release
    said: list[str] = []
    assert len(migrate_target(waiting, said.append)) == len(required())
    assert any("crashed-pod" in line and "expired" in line for line in said)


def _serve(settings, name: str):
    app, host, _ = SERVICES[name](settings)
    loop = Background()
    runner, url = loop.call(start_site(app, host, 0))
    return loop, runner, url


@pytest.mark.parametrize("service", ["reporter", "aggregator"])
def test_a_distributed_service_waits_for_the_schema_alive_not_ready_until_migrate_runs(
    waiting, service, caplog
):
    caplog.set_level(logging.WARNING, "sada.schema")
    loop, runner, url = _serve(waiting, service)
    try:
        wait_for(lambda: "run `sada migrate`" in caplog.text, 30, "the waiting log line")
        assert "schema versions 001" in caplog.text
        assert loop.get(f"{url}/healthz")[0] == 200, "waiting for the schema is no reason to restart"
        status, ready = loop.get(f"{url}/readyz")
        assert status == 503 and ready["checks"]["schema"] is False
        if service == "reporter":
            status, answer = loop.get(f"{url}/v1/events/some-event/summary")
            assert status == 503 and "sada migrate" in answer["error"]
        migrate_target(waiting, lambda _: None)
        wait_for(lambda: loop.get(f"{url}/readyz")[0] == 200, 60, f"the {service} to turn ready")
        assert loop.get(f"{url}/healthz")[0] == 200
        if service == "reporter":
            assert loop.get(f"{url}/v1/events/some-event/summary")[0] == 200
    finally:
        loop.call(runner.cleanup())
        loop.close()


async def _get(url: str) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.json()


async def _default_executor(executor: ThreadPoolExecutor) -> None:
    asyncio.get_running_loop().set_default_executor(executor)


def test_the_reporters_readiness_answers_while_report_queries_hold_every_worker(waiting):
    """Report queries run on the loop's default executor and hold the store's lock: both are
    taken here, as long reports would take them; /readyz answers all the same."""
    migrate_target(waiting, lambda _: None)
    store = Store(connect(waiting, create=False))
    loop = Background()
    busy = ThreadPoolExecutor(1, thread_name_prefix="reports")
    release = threading.Event()
    try:
        loop.call(_default_executor(busy))
        runner, url = loop.call(start_site(reporter_app(waiting, store), "127.0.0.1", 0))
        store._lock.acquire()
        busy.submit(release.wait)
        # a hang guard, not a timing: queued behind the reports, it would never answer
        status, ready = loop.call(_get(f"{url}/readyz"), 60)
        assert status == 200 and ready["checks"] == {"store": True}
    finally:
        release.set()
        if store._lock.locked():
            store._lock.release()
        loop.call(runner.cleanup())
        loop.close()
        busy.shutdown()


def test_sada_migrate_applies_then_has_nothing_to_apply(tmp_path):
    env = {"SADA_DATA_DIR": str(tmp_path), "SADA_CLICKHOUSE_CLUSTER": ""}
    first = sada("migrate", env=env)
    assert first.returncode == 0, first.stderr
    assert "applied 001_raw_tables.sql" in first.stderr
    again = sada("migrate", env=env)
    assert again.returncode == 0 and "nothing to apply" in again.stderr
