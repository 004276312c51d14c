"""The rollups (shared/rollups.py) against the reference of DESIGN §4, written by the
aggregator's own write step (services/aggregator/write.py): in batches, with re-sent
records, interactions re-sent on another post, and a recomputation that fails after the
raw insert."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
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
from services.reporter.series import BUCKETS, series
from services.reporter.sql import QUERIES
from shared import rollups
from shared.events import COUNTERS, Record, validate_object
from shared.records import record_row
from shared.sqlfiles import sql
from shared.store import migrate, open_store

EVENT = "rollups"
BASE = datetime(2024, 10, 23, 9, 0, tzinfo=UTC)
KINDS = ("like", "comment", "share", "click", "save", "view")
_databases = itertools.count()
_versions = itertools.count(1)
_partitions = itertools.count()  # one per batch: its tokens are its own


@pytest.fixture
def store(settings):
    return open_store(settings, f"rollups{next(_databases)}")


def batch_of(records: list[Record], partition: int) -> Batch:
    """The records as read from one partition (its number makes the batch's tokens); versions
    follow arrival."""
    batch = Batch()
    for offset, record in enumerate(records):
        batch.add(TopicPartition("rollups", partition), offset, *record_row(record, next(_versions)))
    return batch


def write(store, settings, records: list[Record], partition: int) -> None:
    """Write one batch with the aggregator's write step; it hands the batch on once written."""
    written = LastStep()
    Write(written, store, settings).submit(batch_of(records, partition))
    assert len(written.batches) == 1


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


@pytest.mark.slow
def test_post_figures_and_series_equal_the_reference_for_random_batches(store, settings):
    # each example writes up to ten batches (about a second): no shrinking, the
    # failing batches are printed as drawn
    @hsettings(
        max_examples=20,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
    )
    @given(
        batches=st.lists(st.lists(RECORDS, min_size=1, max_size=12), min_size=1, max_size=5),
        resent=st.booleans(),
        zone=st.sampled_from([ZoneInfo("Africa/Casablanca"), ZoneInfo("Asia/Kolkata")]),
    )
    def check(batches, resent, zone):
        for table in (
            "interactions",
            "metrics",
            "interactions_by_post",
            "post_minutes",
            "post_hours",
            "post_totals",
        ):
            store.client.command(f"TRUNCATE TABLE {table}")
        arrived: list[Record] = []
        for batch in batches:
            partition = next(_partitions)
            write(store, settings, batch, partition)
            arrived += batch
            if resent:  # the same batch read again after a crash: same token, nothing changes
                write(store, settings, batch, partition)
                arrived += batch
            assert stored_figures(store) == expected_figures(arrived)
            # the data window spans the records as stored: the latest version of each
            window = store.query(sql(QUERIES, "window"), {"event": EVENT})[0]
            latest = {
                (type(r), r.platform, getattr(r, "interaction_id", None) or r.observed_at): r for r in arrived
            }
            moments = [getattr(r, "occurred_at", None) or r.observed_at for r in latest.values()]
            assert (aware(window["first"]), aware(window["last"])) == (min(moments), max(moments))
            # post_hours serves Casablanca's hour and day buckets, post_minutes Kolkata's (+05:30)
            for bucket in BUCKETS:
                assert series(store, EVENT, bucket, zone) == reference_series(arrived, EVENT, bucket, zone)

    check()


def test_an_interaction_re_sent_on_another_post_leaves_the_first(store, settings):
    write(store, settings, [interaction("a", 1, "like"), interaction("a", 2, "like")], next(_partitions))
    assert stored_figures(store)[("x", "a")]["likes"] == 2
    write(store, settings, [interaction("b", 1, "like")], next(_partitions))
    figures = stored_figures(store)
    assert (figures[("x", "a")]["likes"], figures[("x", "b")]["likes"]) == (1, 1)


def test_a_snapshot_replaces_the_counted_interactions_of_its_counter_only(store, settings):
    counted = [interaction("a", n, "like") for n in range(3)] + [interaction("a", 9, "share")]
    write(store, settings, counted, next(_partitions))
    write(store, settings, [snapshot("a", 5, likes=40)], next(_partitions))
    figures = stored_figures(store)[("x", "a")]
    assert (figures["likes"], figures["shares"], figures["engagements"]) == (40, 1, 41)


def test_the_write_step_retries_a_failed_recomputation_before_handing_the_batch_on(store, settings):
    statuses: list[tuple[bool, str]] = []
    written = LastStep()
    step = Write(
        written,
        store,
        settings.model_copy(update={"store_retry_initial_ms": 50, "store_retry_max_ms": 200}),
        on_status=lambda ok, message: statuses.append((ok, message)),
    )
    store.client.command("DETACH TABLE post_totals")
    step.submit(batch_of([interaction("a", 1, "comment"), interaction("a", 2, "comment")], next(_partitions)))
    with pytest.raises(MessageRejected):  # holding a batch, the step takes no other
        step.submit(batch_of([interaction("a", 3, "comment")], next(_partitions)))
    wait_for(lambda: step.poll() or len([ok for ok, _ in statuses if not ok]) >= 2, 30, "two failures")
    assert written.batches == [] and "rollups" in statuses[-1][1]
    assert store.query("SELECT count() AS n FROM interactions")[0]["n"] == 2  # the raw half landed
    store.client.command("ATTACH TABLE post_totals")
    step.join(30)
    assert len(written.batches) == 1 and statuses[-1] == (True, "")
    assert store.query("SELECT count() AS n FROM interactions")[0]["n"] == 2
    assert stored_figures(store)[("x", "a")]["comments"] == 2


def test_a_store_from_before_the_rollups_gets_them_computed_at_migration(store, settings):
    records = [interaction("a", n, KINDS[n % 6], n) for n in range(20)] + [
        snapshot("b", 3, views=70, likes=5),
        interaction("b", 30, "comment"),
    ]
    write(store, settings, records, next(_partitions))
    for drop in (
        "DROP VIEW interactions_by_post_feed",
        "DROP TABLE interactions_by_post",
        "DROP TABLE post_totals",
        "DROP TABLE post_minutes",
        "DROP TABLE post_hours",
    ):
        store.client.command(drop)
    store.client.command(
        "ALTER TABLE schema_migrations DELETE WHERE version >= 4", settings={"mutations_sync": 2}
    )
    applied = migrate(store.client)
    # the rollups' migrations run again (later ones, idempotent, too)
    assert [name for name in applied if name < "007"] == [
        "004_rollups.sql",
        "005_rollups_backfill.py",
        "006_engagements.py",
    ]
    assert stored_figures(store) == expected_figures(records)
    assert rollups.backfill(store.client) == 0  # every post has its rollups
    assert rollups.rebuild(store.client) == 2


def test_a_backfill_interrupted_half_way_computes_the_rest(store, settings):
    records = [interaction("a", 1, "like"), interaction("b", 2, "share"), snapshot("c", 4, likes=3)]
    write(store, settings, records, next(_partitions))
    store.client.command(
        "ALTER TABLE post_totals DELETE WHERE post_id != 'a'", settings={"mutations_sync": 2}
    )
    assert rollups.backfill(store.client) == 2
    assert stored_figures(store) == expected_figures(records)
