"""The rollups kept by delta (shared/rollups.py, shared/deltas.py) against the reference of
DESIGN §4, written by the aggregator's own write step (services/aggregator/write.py): in
batches, with re-sent records, interactions re-sent on another post or with another kind,
snapshots out of order and going down, batches retried, and batches read again after a crash
(between the rollups' insert and the raw rows', or before the commit) in another cut."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from harness import LastStep, wait_for
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from kafka import TopicPartition
from reference import reference_post_figures, reference_series

from services.aggregator.batch import Batch
from services.aggregator.step import MessageRejected
from services.aggregator.write import Write
from services.reporter.analytics import trends
from services.reporter.figures import EDGE_ROWS, data_window
from services.reporter.series import BUCKETS, series
from shared import rollups
from shared.deltas import Deltas
from shared.events import COUNTERS, Record, validate_object
from shared.records import TABLES, record_row
from shared.store import Store, connect, migrate, open_store

EVENT = "rollups"
BASE = datetime(2024, 10, 23, 9, 0, tzinfo=UTC)
KINDS = ("like", "comment", "share", "click", "save", "view")
_databases = itertools.count()
_versions = itertools.count(1)
_partitions = itertools.count()  # one per batch of records sent


@pytest.fixture
def store(settings):
    return open_store(settings, f"rollups{next(_databases)}")


@dataclass(frozen=True)
class Message:
    """A record as Kafka holds it: where it is and the version the collector stamped."""

    record: Record
    partition: int
    offset: int
    version: int


def sent(records: list[Record]) -> list[Message]:
    """The records sent on one partition, in order; versions follow arrival."""
    partition = next(_partitions)
    return [Message(r, partition, offset, next(_versions)) for offset, r in enumerate(records)]


def batch_of(messages: list[Message]) -> Batch:
    batch = Batch()
    for m in messages:
        table, row = record_row(m.record, m.version)
        batch.add(TopicPartition("rollups", m.partition), m.offset, table, row, 0)
    return batch


def write(store, settings, messages: list[Message]) -> None:
    """Write one batch with the aggregator's write step; it hands the batch on once written."""
    if not messages:
        return
    written = LastStep()
    Write(written, store, settings).submit(batch_of(messages))
    assert len(written.batches) == 1


class Crash(BaseException):
    """The aggregator killed (a BaseException: nothing in the write step handles it)."""


class DiesBeforeTheRawRows(Store):
    """A store whose process dies right after a batch's rollups insert, before its raw rows: the
    state a SIGKILL between the two leaves."""

    def _insert_raw(self, table, rows, keys, store) -> None:
        raise Crash


def crash_before_the_raw_rows(store, settings, messages: list[Message]) -> None:
    with pytest.raises(Crash):
        Write(LastStep(), DiesBeforeTheRawRows(store.client), settings).submit(batch_of(messages))


def stored_rows(store) -> int:
    return sum(
        store.query(f"SELECT count() AS n FROM {t} FINAL")[0]["n"] for t in ("metrics", "interactions")
    )


def stored_figures(store) -> dict[tuple[str, str], dict[str, int]]:
    rows = store.query("SELECT * FROM post_figures(event = {e:String})", {"e": EVENT})
    return {(r["platform"], r["post_id"]): {c: int(r[c]) for c in (*COUNTERS, "engagements")} for r in rows}


def expected_figures(records: list[Record]) -> dict[tuple[str, str], dict[str, int]]:
    figures, _ = reference_post_figures(records, EVENT)
    return {key: {c: values[c] for c in (*COUNTERS, "engagements")} for key, values in figures.items()}


def aware(moment: datetime) -> datetime:
    """The driver may hand back naive datetimes; the columns are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def interaction(post_id: str, n: int, kind: str, minute: int = 0) -> Record:
    return validate_object(
        {
            "type": "interaction",
            "event": EVENT,
            "platform": "x",
            "post_id": post_id,
            "interaction_id": f"i{n}",
            "kind": kind,
            "occurred_at": (BASE + timedelta(minutes=minute)).isoformat(),
        }
    )


def snapshot(post_id: str, minute: int, **counters: int | None) -> Record:
    return validate_object(
        {
            "type": "metrics",
            "event": EVENT,
            "platform": "x",
            "post_id": post_id,
            "observed_at": (BASE + timedelta(minutes=minute)).isoformat(),
            **counters,
        }
    )


RECORDS = st.one_of(
    # ids shared by posts: an interaction re-sent on another post moves there
    st.builds(
        interaction, st.sampled_from("abc"), st.integers(0, 8), st.sampled_from(KINDS), st.integers(0, 600)
    ),
    st.builds(
        lambda post_id, minute, values: snapshot(post_id, minute, **values),
        st.sampled_from("abc"),
        st.integers(0, 600),
        st.fixed_dictionaries({}, optional={c: st.one_of(st.none(), st.integers(0, 900)) for c in COUNTERS}),
    ),
)


# How a batch reaches the store: once; retried (the same batch again); after a crash between
# its rollups and its raw rows, read again cut in two; after a crash before its commit, read
# again cut in two.
WAYS = ("once", "retried", "crashed before the raw rows", "crashed before the commit")


def deliver(store, settings, messages: list[Message], way: str, cut: int) -> None:
    if way == "crashed before the raw rows":
        crash_before_the_raw_rows(store, settings, messages)
    else:
        write(store, settings, messages)
    if way == "retried":
        write(store, settings, messages)
    if way.startswith("crashed"):
        write(store, settings, messages[:cut])
        write(store, settings, messages[cut:])


@pytest.mark.slow
def test_post_figures_and_series_equal_the_reference_for_random_batches(store, settings):
    # each example writes up to twenty batches (about a second): no shrinking, the
    # failing batches are printed as drawn
    @hsettings(
        max_examples=25,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
    )
    @given(
        batches=st.lists(
            st.tuples(st.lists(RECORDS, min_size=1, max_size=12), st.sampled_from(WAYS), st.integers(0, 12)),
            min_size=1,
            max_size=5,
        ),
        zone=st.sampled_from([ZoneInfo("Africa/Casablanca"), ZoneInfo("Asia/Kolkata")]),
    )
    def check(batches, zone):
        for table in ("interactions", "metrics", "rollups"):
            store.client.command(f"TRUNCATE TABLE {table}")
        arrived: list[Record] = []
        for records, way, cut in batches:
            deliver(store, settings, sent(records), way, cut)
            arrived += records
            assert stored_figures(store) == expected_figures(arrived)
            # the data window spans the records as stored: the latest version of each
            window = data_window(store, EVENT)
            latest = {
                (type(r), r.platform, getattr(r, "interaction_id", None) or r.observed_at): r for r in arrived
            }
            moments = [getattr(r, "occurred_at", None) or r.observed_at for r in latest.values()]
            assert window == (min(moments), max(moments))
            # the hour rows serve Casablanca's hour and day buckets, the minute rows Kolkata's (+05:30)
            for bucket in BUCKETS:
                assert series(store, EVENT, bucket, zone) == reference_series(arrived, EVENT, bucket, zone)

    check()


def test_a_batch_read_again_in_another_cut_after_a_crash_counts_each_record_once(store, settings):
    first = sent([interaction("a", n, "like", n) for n in range(6)] + [snapshot("b", 1, views=10)])
    crash_before_the_raw_rows(store, settings, first)
    assert stored_rows(store) == 0 and stored_figures(store)[("x", "a")]["likes"] == 6  # rollups only
    # read again from the committed offset, in smaller batches, then with what followed
    later = sent([interaction("a", 9, "like", 9), interaction("a", 2, "share", 2), snapshot("b", 3, views=4)])
    write(store, settings, first[:2])
    write(store, settings, first[2:] + later)
    records = [m.record for m in first + later]
    assert stored_rows(store) == 9
    assert stored_figures(store) == expected_figures(records)
    assert stored_figures(store)[("x", "a")] | {"b": stored_figures(store)[("x", "b")]["views"]} == {
        **dict.fromkeys(COUNTERS, 0),
        "likes": 6,  # 0..5 and 9, less i2 re-sent as a share
        "shares": 1,
        "engagements": 7,
        "b": 4,  # an unlike of views: the latest snapshot says 4
    }


def test_a_batchs_marks_and_prior_state_are_read_at_once_on_clients_of_their_own(settings):
    name = f"rollups{next(_databases)}"
    plain = open_store(settings, name)
    together = threading.Barrier(3, timeout=10)  # the marks, the interactions, the snapshots

    class Meets:
        """A client whose first query waits, once answered, until two others have answered theirs:
        broken unless the three reads run at the same time."""

        def __init__(self, client) -> None:
            self.client, self.met = client, False

        def query(self, *args, **kwargs):
            answer = self.client.query(*args, **kwargs)
            if not self.met:
                self.met = True
                together.wait()
            return answer

        def __getattr__(self, attribute):
            return getattr(self.client, attribute)

    store = Store(Meets(plain.client), more_clients=lambda: Meets(connect(settings, name, create=False)))
    records = [interaction("a", 1, "like"), snapshot("a", 1, likes=3), snapshot("b", 2, views=5)]
    write(store, settings, sent(records))
    assert stored_figures(plain) == expected_figures(records)
    assert stored_rows(plain) == 3


def test_an_out_of_order_snapshot_changes_the_next_snapshots_change(store, settings):
    write(store, settings, sent([snapshot("a", 0, likes=10), snapshot("a", 20, likes=30)]))
    write(store, settings, sent([snapshot("a", 10, likes=25)]))
    rows = series(store, EVENT, "minute", ZoneInfo("UTC"))
    assert [(r["bucket"][11:16], r["likes"]) for r in rows] == [("09:00", 10), ("09:10", 15), ("09:20", 5)]


def test_the_series_leaves_out_the_cells_of_a_post_no_record_names(store, settings):
    # series.sql and trends.sql look each cell's post up in the post rows and takes ANY match: a cell whose
    # post has no post row (not written by the aggregator, which lists every post a record
    # names) matches nothing and must be left out, as it is from post_figures
    write(store, settings, sent([interaction("a", 1, "like")]))
    stray = Deltas()
    stray.bucketed((EVENT, "x", "ghost"), BASE + timedelta(minutes=5), +1, i_likes=7)
    rollups.insert(store.client, stray, [], "a stray cell")
    for bucket in BUCKETS:
        rows = series(store, EVENT, bucket, ZoneInfo("UTC"))
        assert [(r["platform"], r["likes"]) for r in rows] == [("x", 1)], bucket
    moving = trends(store, EVENT, BASE + timedelta(minutes=10), window_s=600, min_count=1)["trends"]
    engagements = {(t["platform"], t["latest"]) for t in moving if t["metric"] == "engagements"}
    assert engagements == {("x", 1), (None, 1)}


def test_the_data_window_skips_the_moments_records_moved_away_from_however_many(store, settings):
    early = [interaction("a", n, "like", n) for n in range(EDGE_ROWS + 50)]  # more than read at an end
    write(store, settings, sent(early + [interaction("a", 999, "like", 700)]))
    moved = [interaction("a", n, "like", 300 + n % 7) for n in range(EDGE_ROWS + 50)]
    write(store, settings, sent(moved))
    assert data_window(store, EVENT) == (BASE + timedelta(minutes=300), BASE + timedelta(minutes=700))


def test_an_interaction_re_sent_on_another_post_leaves_the_first(store, settings):
    write(store, settings, sent([interaction("a", 1, "like"), interaction("a", 2, "like")]))
    assert stored_figures(store)[("x", "a")]["likes"] == 2
    write(store, settings, sent([interaction("b", 1, "like")]))
    figures = stored_figures(store)
    assert (figures[("x", "a")]["likes"], figures[("x", "b")]["likes"]) == (1, 1)


def test_a_snapshot_replaces_the_counted_interactions_of_its_counter_only(store, settings):
    counted = [interaction("a", n, "like") for n in range(3)] + [interaction("a", 9, "share")]
    write(store, settings, sent(counted))
    write(store, settings, sent([snapshot("a", 5, likes=40)]))
    figures = stored_figures(store)[("x", "a")]
    assert (figures["likes"], figures["shares"], figures["engagements"]) == (40, 1, 41)


def test_the_write_step_retries_a_failed_rollups_write_before_handing_the_batch_on(store, settings):
    statuses: list[tuple[bool, str]] = []
    written = LastStep()
    step = Write(
        written,
        store,
        settings.model_copy(update={"store_retry_initial_ms": 50, "store_retry_max_ms": 200}),
        on_status=lambda ok, message: statuses.append((ok, message)),
    )
    store.client.command("DETACH TABLE rollups")
    step.submit(batch_of(sent([interaction("a", 1, "comment"), interaction("a", 2, "comment")])))
    with pytest.raises(MessageRejected):  # holding a batch, the step takes no other
        step.submit(batch_of(sent([interaction("a", 3, "comment")])))
    wait_for(lambda: step.poll() or len([ok for ok, _ in statuses if not ok]) >= 2, 30, "two failures")
    assert written.batches == [] and "rollups" in statuses[-1][1]
    assert stored_rows(store) == 0  # the raw rows go in after their rollups
    store.client.command("ATTACH TABLE rollups")
    step.join(30)
    assert len(written.batches) == 1 and statuses[-1] == (True, "")
    assert stored_rows(store) == 2
    assert stored_figures(store)[("x", "a")]["comments"] == 2


V008 = Path(__file__).parent / "v008"  # the previous version's rollup SQL and post_figures view


def _v008(name: str) -> str:
    return (V008 / f"{name}.sql").read_text("utf-8")


def test_a_store_written_by_the_previous_version_upgrades_with_progress_to_the_same_figures(settings):
    records = (
        [interaction("a", n, KINDS[n % 6], n) for n in range(20)]
        + [snapshot("b", 3, views=70, likes=5), snapshot("b", 1, views=90), interaction("b", 30, "comment")]
        + [interaction("b", 4, "like", 50), snapshot("c", 7, likes=None, impressions=12)]
    )
    client = connect(settings, f"v008x{next(_databases)}")
    migrate(client, until=8)
    store = Store(client)
    # what the previous version's aggregator did: the raw rows, then each post recomputed
    for table, rows in _rows(records).items():
        store.insert(table, rows, f"v008:{table}")
    for name in ("refresh_post_minutes", "refresh_post_hours", "refresh_post_totals"):
        store.client.command(
            _v008(name), parameters={"event": EVENT, "version": 1, "posts": [("x", p) for p in "abc"]}
        )
    store.client.command(_v008("post_figures"))
    before = stored_figures(store)
    assert before == expected_figures(records)

    said: list[str] = []
    assert migrate(store.client, said.append) == [
        "009_rollups_by_delta.sql",
        "010_rollups_backfill.py",
        "011_post_media_url.sql",  # main's, after the rollups
    ]
    assert any("1 events computed" in line for line in said), said
    assert stored_figures(store) == before
    zone = ZoneInfo("Africa/Casablanca")
    for bucket in BUCKETS:
        assert series(store, EVENT, bucket, zone) == reference_series(records, EVENT, bucket, zone)
    # and the aggregator goes on from there by delta
    more = [interaction("a", 40, "like", 3), snapshot("b", 2, views=80)]
    write(store, settings, sent(more))
    assert stored_figures(store) == expected_figures(records + more)


def _rows(records: list[Record]) -> dict[str, list[list]]:
    rows: dict[str, list[list]] = {}
    for record in records:
        table, row = record_row(record, next(_versions))
        rows.setdefault(table, []).append(row)
    assert set(rows) <= set(TABLES)
    return rows


def test_the_marks_found_are_those_of_the_records_asked_for_and_no_neighbour(store):
    """Marks are looked up by a range of offsets per partition (applied.sql): the range's
    neighbours, another version at the same offset and another partition's same offsets must not
    be taken for the records asked for, and the range's ends must be found."""
    held = [
        rollups.mark(("sada.metrics", 0, offset), version)
        for offset, version in ((9, 1), (10, 1), (10, 7), (11, 1), (12, 1), (100, 1))
    ] + [rollups.mark(("sada.metrics", 1, 10), 1), rollups.mark(("sada.posts", 0, 11), 1)]
    rollups.insert(store.client, Deltas(), held, "marks-held")
    asked = [rollups.mark(("sada.metrics", 0, offset), 1) for offset in (10, 12)]
    asked.append(rollups.mark(("sada.posts", 0, 10), 1))
    found = rollups.applied(store.client, asked)
    assert found == {rollups.mark(("sada.metrics", 0, 10), 1), rollups.mark(("sada.metrics", 0, 12), 1)}
