"""One ``sada migrate`` at a time: a lock that is a table.

ClickHouse has no row-level compare-and-set, but creating a table is atomic: a second
``CREATE TABLE schema_lock`` (no ``IF NOT EXISTS``) fails with TABLE_ALREADY_EXISTS, on one
server (the DDL guard) and ON CLUSTER alike (the distributed DDL queue in Keeper runs the
entries in one order on every replica, so the second entry fails everywhere). The holder
writes its name and an expiry into it, renews the expiry while it works, and drops the
table (``SYNC``, so the replica's Keeper path is gone before anyone re-creates it) when done.

A migrate that finds the table waits, saying who holds it until when; once the expiry has
passed (the holder crashed and stopped renewing), it drops the table and takes the lock. A table
dropped between a waiter's failed CREATE and its read of the holder is a lock released: the
waiter creates it again at once.
Why not a fixed insert-deduplication token in a replicated table: the second insert is
silently a no-op, so the loser would have to read back what won, from a replica that may
not have it yet. The residual race: two waiters that both see the same expired lock both
drop it, and the later drop may remove the lock the earlier one just took. It needs a
crashed migrate and two more at once; the Job runs one pod at a time.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from types import TracebackType

from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import ClickHouseError

from shared.cluster import on_cluster
from shared.progress import Progress, say

TABLE = "schema_lock"
CREATE = f"CREATE TABLE {TABLE} (owner String, expires_ms UInt64) ENGINE = MergeTree ORDER BY tuple()"
DROP = f"DROP TABLE IF EXISTS {TABLE} SYNC"


def _now_ms() -> int:
    return int(time.time() * 1000)


def _is(exc: ClickHouseError, name: str, code: int) -> bool:
    """Whether ClickHouse refused with this error (by name, or by code where the name is left out)."""
    message = str(exc)
    return name in message or f"Code: {code}." in message


class MigrateLock:
    """``with MigrateLock(client, cluster, lease_s):`` — ``client`` is the lock's own (the
    renewing thread uses it while the migration uses another)."""

    def __init__(
        self,
        client: Client,
        cluster: str = "",
        lease_s: float = 120.0,
        poll_s: float = 2.0,
        log_every_s: float = 30.0,
        progress: Progress = say,
        owner: str | None = None,
    ):
        self.client, self.cluster, self.lease_s = client, cluster, lease_s
        self.poll_s, self.log_every_s, self.progress = poll_s, log_every_s, progress
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def acquire(self) -> None:
        """Take the lock, waiting while another migrate holds it."""
        first_seen: dict[str, int] = {}
        logged = 0.0
        while True:
            try:
                self.client.command(on_cluster(CREATE, self.cluster))
                break
            except ClickHouseError as exc:
                if not _is(exc, "TABLE_ALREADY_EXISTS", 57):
                    raise
            try:
                holder, expires_ms = self.holder(first_seen)
            except ClickHouseError as exc:
                if not _is(exc, "UNKNOWN_TABLE", 60):
                    raise
                continue  # released between the CREATE and this read: free, take it now
            if expires_ms < _now_ms():
                self.progress(f"sada migrate: the lock of {holder} expired; taking it over")
                self._drop()
                continue
            if time.monotonic() - logged >= self.log_every_s:
                logged = time.monotonic()
                left = (expires_ms - _now_ms()) / 1000
                self.progress(
                    f"sada migrate: waiting: another `sada migrate` ({holder}) is applying the schema; "
                    f"its lock expires in {left:.0f} s unless renewed"
                )
            time.sleep(self.poll_s)
        self._renew()
        self._stop.clear()
        self._renewer = threading.Thread(target=self._keep, name="sada-migrate-lock", daemon=True)
        self._renewer.start()

    def holder(self, first_seen: dict[str, int] | None = None) -> tuple[str, int]:
        """Who holds the lock and until when (ms since the epoch). A lock without a row yet
        (its holder is about to write it, or the row has not reached this replica) expires
        a lease after this waiter first saw it."""
        rows = self.client.query(f"SELECT argMax(owner, expires_ms), max(expires_ms), count() FROM {TABLE}")
        owner, expires_ms, count = rows.result_rows[0]
        if count:
            return owner, expires_ms
        seen = (first_seen if first_seen is not None else {}).setdefault("", _now_ms())
        return "a migrate starting", seen + int(self.lease_s * 1000)

    def release(self) -> None:
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join()
            self._renewer = None
        self._drop()

    def _renew(self) -> None:
        expires = _now_ms() + int(self.lease_s * 1000)
        self.client.insert(TABLE, [[self.owner, expires]], column_names=["owner", "expires_ms"])

    def _keep(self) -> None:
        while not self._stop.wait(self.lease_s / 3):
            try:
                self._renew()
            except ClickHouseError as exc:  # tried again at the next turn, well within the lease
                self.progress(f"sada migrate: renewing the lock failed ({exc}); trying again")

    def _drop(self) -> None:
        self.client.command(on_cluster(DROP, self.cluster))

    def __enter__(self) -> MigrateLock:
        self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
