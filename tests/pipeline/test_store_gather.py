"""Store.gather (shared/store.py): a report's reads run at once, each on a client of its own, and
answer in the order asked; a failed read fails the gather once the others are done."""

from __future__ import annotations

import itertools
import threading

import pytest

from shared.store import Store, connect, open_store

_databases = itertools.count()


@pytest.fixture
def counted(settings):
    """A store like the reporter's, counting the spare clients it makes."""
    name = f"gather{next(_databases)}"
    store = open_store(settings, name)
    made = []

    def more():
        made.append(1)
        return connect(settings, name, create=False)

    return Store(store.client, more_clients=more), made


def test_the_reads_run_at_once_on_clients_of_their_own_and_answer_in_order(counted):
    store, made = counted
    together = threading.Barrier(3, timeout=30)  # broken unless all three wait at the same time

    def read(n: int):
        def run(s: Store) -> tuple[int, int]:
            answer = s.query("SELECT {n:UInt8} AS n", {"n": n})[0]["n"]
            together.wait()
            return answer, id(s.client)

        return run

    answers = store.gather(read(1), read(2), read(3))
    assert [n for n, _ in answers] == [1, 2, 3]
    assert len({client for _, client in answers}) == 3
    store.gather(read(4), read(5), read(6))
    assert len(made) == 2  # the spares are kept for the next report


def test_a_failed_read_fails_the_gather_after_the_others_and_the_spares_are_kept(counted):
    store, made = counted
    finished = []

    def slow(s: Store) -> None:
        s.query("SELECT sleep(0.5)")
        finished.append(1)

    def broken(s: Store) -> None:
        s.query("SELECT no_such_column FROM system.one")

    with pytest.raises(Exception, match="no_such_column"):
        store.gather(broken, slow, slow)
    assert finished == [1, 1]  # not given back while still reading
    assert store.gather(lambda s: 1, lambda s: 2, lambda s: 3) == [1, 2, 3]
    assert len(made) == 2
