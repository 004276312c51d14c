"""Bad reporter parameters answer 400 naming the parameter, never a 5xx (issue 13, 6):
times outside the range the store holds (year 0001/0189/9999, extreme offsets), time zones
Python knows but ClickHouse does not (``right/UTC``, ``posix/…``), numbers of any spelling.
Asked of a real reporter on a real store."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from harness import RunningPipeline, pipeline_settings
from harness.secure import Broker
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EVENT = "params-fuzz"
ROUTES = ("series", "breakdown/platform", "trends", "top-posts")


@pytest.fixture(scope="module")
def reporter(broker: Broker, chdb_dir: Path) -> Iterator[RunningPipeline]:
    running = RunningPipeline(pipeline_settings(broker, chdb_dir, "tparams"))
    running.post_all(
        [
            {
                "type": "post",
                "event": EVENT,
                "platform": "x",
                "post_id": "p",
                "created_at": "2024-05-01T10:00:00Z",
            },
            {
                "type": "metrics",
                "event": EVENT,
                "platform": "x",
                "post_id": "p",
                "observed_at": "2024-05-01T10:05:00Z",
                "likes": 5,
            },
        ]
    )
    yield running
    running.close()


def ask(reporter: RunningPipeline, route: str, **query: str) -> tuple[int, dict]:
    return reporter.get(f"{reporter.reporter}/v1/events/{EVENT}/{route}", **query)


EARLIEST, LATEST = "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"
REFUSED = {
    ("series", "tz"): ["right/UTC", "posix/Europe/Paris", "localtime"],
    ("series", "from"): ["0189-01-01T00:00:00Z", EARLIEST],
    ("series", "to"): [LATEST, "2300-01-01T00:00:00Z"],
    ("breakdown/platform", "from"): [EARLIEST],
    ("breakdown/platform", "to"): [LATEST],
    ("trends", "at"): [EARLIEST, LATEST, "1899-12-31T23:59:59Z"],
}


@pytest.mark.parametrize(
    ("route", "name", "value"),
    [(route, name, value) for (route, name), values in REFUSED.items() for value in values],
)
def test_out_of_range_times_and_unknown_zones_answer_400_naming_the_parameter(reporter, route, name, value):
    status, body = ask(reporter, route, **{name: value})
    assert status == 400, body
    assert body["error"].startswith(f"{name}:"), body


def test_a_from_after_the_last_time_names_from(reporter):
    status, body = ask(reporter, "series", **{"from": "2200-01-01T00:00:00Z"})
    assert status == 400 and body["error"].startswith("from:"), body


def test_times_and_zones_inside_the_bounds_answer_200(reporter):
    for query in (
        {"from": "2000-01-01T00:00:00Z", "to": "2200-01-01T00:00:00Z"},
        {"from": "2024-05-01T11:00:00+14:00", "to": "2024-05-01T00:00:00-12:00"},
        {"tz": "Asia/Kathmandu"},
        {"tz": "UTC"},
    ):
        status, body = ask(reporter, "series", **query)
        assert status == 200, (query, body)
    status, body = ask(reporter, "trends", at="2000-01-01T00:00:00-12:00")
    assert status == 200, body


ZONES = sorted(zoneinfo.available_timezones())
offsets = st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(lambda m: timezone(timedelta(minutes=m)))
moments = st.one_of(
    st.builds(
        lambda moment, zone: moment.replace(tzinfo=zone).isoformat(),
        st.datetimes(datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59)),
        offsets,
    ),
    st.datetimes(datetime(1990, 1, 1), datetime(2300, 1, 1), timezones=st.just(UTC)).map(datetime.isoformat),
    st.text(max_size=40),
)
zones = st.one_of(
    st.sampled_from(ZONES),
    st.sampled_from(ZONES).map(lambda z: f"right/{z}"),
    st.sampled_from(ZONES).map(lambda z: f"posix/{z}"),
    st.text(max_size=40),
)
numbers = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.text(max_size=30),
)
QUERY = {
    "from": moments,
    "to": moments,
    "at": moments,
    "tz": zones,
    "bucket": st.sampled_from(["minute", "hour", "day", "week", ""]),
    "limit": numbers,
    "window": numbers,
    "baseline": numbers,
    "threshold": numbers,
    "min_count": numbers,
    "min_impressions": numbers,
}


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    route=st.sampled_from(ROUTES),
    query=st.dictionaries(st.sampled_from(sorted(QUERY)), st.none(), max_size=4).flatmap(
        lambda keys: st.fixed_dictionaries({key: QUERY[key] for key in keys})
    ),
)
def test_any_parameters_answer_200_or_400_naming_one(reporter, route, query):
    status, body = ask(reporter, route, **query)
    assert status in (200, 400), (route, query, status, body)
    if status == 400:
        assert body["error"].split(":")[0] in QUERY, (route, query, body)
