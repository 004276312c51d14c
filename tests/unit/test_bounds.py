"""Validation bounds that make overflow impossible (shared/events.py): timestamps checked in
range whatever their offset, nesting depth limited before parsing, numbers too long for Python,
counters above the largest sada stores. Each is a clean rejection naming the field, never an
exception."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.events import EARLIEST, MAX_AHEAD, MAX_COUNT, MAX_DEPTH, Rejection, nesting_depth, parse_record

ARRIVAL = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def post(created_at: str) -> bytes:
    record = {"type": "post", "event": "e", "platform": "x", "post_id": "1", "created_at": created_at}
    return json.dumps(record).encode()


def snapshot(likes: str) -> bytes:
    head = '{"type":"metrics","event":"e","platform":"x","post_id":"1","observed_at":"2024-05-01T10:00:00Z"'
    return f'{head},"likes":{likes}}}'.encode()


@pytest.mark.parametrize(
    ("created_at", "reason"),
    [
        ("0001-01-01T00:00:00+14:00", "is before 2000-01-01"),
        ("0001-01-01T00:00:00-14:00", "is before 2000-01-01"),
        ("9999-12-31T23:59:59-14:00", "more than 24 hours ahead"),
        ("9999-12-31T23:59:59+14:00", "more than 24 hours ahead"),
        ("2000-01-01T09:59:59+10:00", "is before 2000-01-01"),
    ],
)
def test_extreme_timestamps_are_rejected_naming_the_field(created_at, reason):
    outcome = parse_record(post(created_at), ARRIVAL)
    assert isinstance(outcome, Rejection)
    assert outcome.field == "created_at" and reason in outcome.reason


def test_the_range_is_taken_after_the_offset():
    # 23:00 at -01:00 on 31 Dec 1999 is midnight UTC on 1 Jan 2000: in range
    outcome = parse_record(post("1999-12-31T23:00:00-01:00"), ARRIVAL)
    assert not isinstance(outcome, Rejection)
    assert outcome.created_at == EARLIEST


@given(
    moment=st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
    offset_min=st.integers(-(23 * 60 + 59), 23 * 60 + 59),
)
def test_any_timestamp_is_stored_in_range_or_rejected(moment, offset_min):
    moment = moment.replace(microsecond=0)
    sign = "+" if offset_min >= 0 else "-"
    hours, minutes = divmod(abs(offset_min), 60)
    text = f"{moment.isoformat(timespec='seconds')}{sign}{hours:02d}:{minutes:02d}"
    outcome = parse_record(post(text), ARRIVAL)
    utc = moment - timedelta(minutes=offset_min)  # naive, as Python can hold it
    if EARLIEST.replace(tzinfo=None) <= utc <= (ARRIVAL + MAX_AHEAD).replace(tzinfo=None):
        assert not isinstance(outcome, Rejection), outcome
        assert outcome.created_at == utc.replace(tzinfo=UTC)
    else:
        assert isinstance(outcome, Rejection) and outcome.field == "created_at", outcome


def nested(levels: int) -> str:
    return "[" * levels + "1" + "]" * levels


def test_nesting_is_limited_before_parsing():
    inside = nested(MAX_DEPTH - 1)  # the record object is one more level
    outcome = parse_record(f'{{"type":"post","x":{inside}}}'.encode(), ARRIVAL)
    assert isinstance(outcome, Rejection) and outcome.field != ""  # parsed; refused for its fields
    deeper = nested(MAX_DEPTH)
    outcome = parse_record(f'{{"type":"post","x":{deeper}}}'.encode(), ARRIVAL)
    reason = f"invalid JSON: nested {MAX_DEPTH + 1} levels deep; at most 64 are accepted"
    assert outcome == Rejection("", reason)
    outcome = parse_record(b'{"x":' + b"[" * 5000 + b"]" * 5000 + b"}", ARRIVAL)
    assert isinstance(outcome, Rejection) and "nested 5001 levels deep" in outcome.reason


def test_unbalanced_and_quoted_brackets():
    assert "at most 64" in parse_record(b"[" * 100_000, ARRIVAL).reason
    # brackets inside strings are text, not nesting
    text = json.dumps({"type": "post", "text": "[" * 1000 + '\\"{' * 100})
    assert nesting_depth(text) == 1


@given(
    st.recursive(st.integers() | st.text(), lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner))
)
def test_the_depth_scan_agrees_with_the_parsed_value(value):
    def depth(v: object) -> int:
        children = v.values() if isinstance(v, dict) else v if isinstance(v, list) else None
        return 0 if children is None else 1 + max((depth(c) for c in children), default=0)

    # empty lists beside the value: enough brackets that the scan runs (below the limit it is
    # skipped and answers 0), which a drawn value alone rarely has
    padded = [value, *([] for _ in range(MAX_DEPTH))]
    assert nesting_depth(json.dumps(padded)) == depth(padded)


def test_a_number_with_5000_digits_is_a_clean_rejection():
    assert parse_record(snapshot("9" * 5000), ARRIVAL) == Rejection(
        "", "invalid JSON: a number has more than 4300 digits"
    )


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(constant):
    outcome = parse_record(snapshot(constant), ARRIVAL)
    assert isinstance(outcome, Rejection) and f"{constant} is not a JSON number" in outcome.reason


def test_counters_are_bounded_so_sums_cannot_wrap():
    assert parse_record(snapshot(str(MAX_COUNT)), ARRIVAL).likes == MAX_COUNT
    outcome = parse_record(snapshot(str(MAX_COUNT + 1)), ARRIVAL)
    assert outcome == Rejection(
        "likes", f"{MAX_COUNT + 1} is above the largest counter sada stores (10^15)", "e"
    )
    assert isinstance(parse_record(snapshot(str(2**63 - 1)), ARRIVAL), Rejection)
    # five counters at the maximum: a post's engagements fit a signed 64-bit integer
    assert 5 * MAX_COUNT < 2**63
