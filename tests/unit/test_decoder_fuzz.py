"""The aggregator's decode step fuzzed (services/aggregator/decode.py): whatever a Kafka
message holds (arbitrary bytes, arbitrary JSON, deep nesting, huge numbers, odd Unicode,
extreme timestamps with offsets, arbitrary headers and Kafka timestamps), decoding it never
raises and always gives a row of a declared table; a failure becomes a dead letter."""

from __future__ import annotations

import json
import time
from datetime import datetime

from harness import LastStep
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kafka.consumer.fetcher import ConsumerRecord

from services.aggregator.batch import Batch
from services.aggregator.decode import Decode, Decoded, Decoder
from shared import bus
from shared.records import REJECTED, TABLES
from shared.settings import Settings

SETTINGS = Settings(kafka_topic_prefix="fuzz.")
TOPICS = [SETTINGS.topic(name) for name in bus.ALL_TOPICS]
HEADERS = ["sada-received-ns", "sada-line", "sada-reject-id", "sada-event", "sada-source", "sada-field"]

odd_text = st.text(st.characters(codec=None, categories=None), max_size=30)  # surrogates included
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False)
    | odd_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(odd_text, inner, max_size=4),
    max_leaves=20,
)


@st.composite
def timestamps(draw) -> str:
    moment = draw(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)))
    offset = draw(st.integers(-(23 * 60 + 59), 23 * 60 + 59))
    sign = "+" if offset >= 0 else "-"
    return f"{moment.isoformat()}{sign}{abs(offset) // 60:02d}:{abs(offset) % 60:02d}"


@st.composite
def records(draw) -> dict:
    """Objects shaped like format v1 records, with hostile values in their fields."""
    kind = draw(st.sampled_from(["post", "metrics", "interaction", "mention"]))
    value = st.one_of(timestamps(), json_values, st.integers(min_value=0, max_value=2**70))
    fields = ["post_id", "created_at", "observed_at", "occurred_at", "published_at", "likes", "views"]
    fields += ["url", "interaction_id", "kind", "hashtags", "followers", "audience", "country", "text"]
    record = {"type": kind, "event": draw(st.sampled_from(["e", "E", ""])), "platform": "x"}
    record.update(draw(st.dictionaries(st.sampled_from(fields), value, max_size=8)))
    return record


def encoded(drawn: tuple[object, bool]) -> bytes:
    """JSON text with non-ASCII characters escaped or raw (lone surrogates raw: invalid UTF-8)."""
    value, ascii_only = drawn
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


deep = st.integers(1, 20_000).map(lambda n: b'{"type":"post","x":' + b"[" * n + b"]" * n + b"}")
long_number = st.integers(4000, 6000).map(lambda n: b'{"type":"metrics","likes":' + b"7" * n + b"}")
values = st.one_of(
    st.binary(max_size=200),
    st.tuples(json_values, st.booleans()).map(encoded),
    st.tuples(records(), st.booleans()).map(encoded),
    deep,
    long_number,
    st.none(),
)
headers = st.lists(
    st.tuples(
        st.sampled_from(HEADERS) | st.text(max_size=10),
        st.binary(max_size=25) | st.integers(0, 2**70).map(lambda n: str(n).encode()) | st.none(),
    ),
    max_size=6,
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    topic=st.sampled_from(TOPICS) | st.text(max_size=10),
    value=values,
    message_headers=headers,
    timestamp=st.integers(-(2**63), 2**63 - 1),
    offset=st.integers(0, 2**63 - 1),
)
def test_decoding_never_raises_and_gives_a_row_of_a_declared_table(
    topic, value, message_headers, timestamp, offset
):
    failures: list[tuple[str, str]] = []
    decode = Decoder(SETTINGS, lambda topic, error: failures.append((topic, error)))
    message = ConsumerRecord(
        topic, 0, -1, offset, timestamp, 0, None, value, message_headers, None, -1, -1, -1
    )
    table, row = decode(message)
    assert table in TABLES and len(row) == len(TABLES[table].column_names)
    if table == REJECTED.name:
        letter = dict(zip(REJECTED.column_names, row, strict=True))
        assert letter["raw"] == (value or b"")
        assert isinstance(letter["reason"], str) and 0 <= letter["line"] < 2**32
    assert not failures, failures  # every input above is decoded or refused by the rules


def test_an_unexpected_failure_becomes_a_dead_letter_with_its_reason(monkeypatch):
    failures: list[tuple[str, str]] = []
    decode = Decoder(SETTINGS, lambda topic, error: failures.append((topic, error)))

    def crash(raw: bytes, now: datetime) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr("services.aggregator.decode.parse_record", crash)
    topic = SETTINGS.topic("posts")
    message = ConsumerRecord(topic, 1, -1, 7, 0, 0, None, b"{}", [], None, -1, -1, -1)
    table, row = decode(message)
    letter = dict(zip(REJECTED.column_names, row, strict=True))
    assert table == "rejected" and letter["raw"] == b"{}" and letter["source"] == f"kafka:{topic}"
    assert letter["reason"] == "could not be decoded: RecursionError: maximum recursion depth exceeded"
    assert failures == [(topic, "RecursionError: maximum recursion depth exceeded")]


@settings(max_examples=200, deadline=None)
@given(
    timestamp=st.integers(-(2**63), 2**63 - 1)
    | st.integers(-1, 0)
    | st.floats(-3_600_000, 3_600_000).map(lambda ms: round(time.time() * 1000 + ms))
)
def test_a_batchs_age_is_how_long_its_message_waited_in_kafka(timestamp):
    """How long a record has been in Kafka, from its timestamp (ms), which the decode step hands
    on: the batch's age counts from it. None (Kafka's -1), 0 or a time in the future: no wait
    before the batch's own."""
    taken: LastStep[Decoded] = LastStep()
    topic = SETTINGS.topic("posts")
    message = ConsumerRecord(topic, 0, -1, 7, timestamp, 0, None, b"{}", [], None, -1, -1, -1)
    before = time.time()
    Decode(taken, SETTINGS).submit(message)
    (decoded,) = taken.batches
    batch = Batch()
    batch.add(decoded.partition, decoded.offset, decoded.table, decoded.row, decoded.timestamp_ms)
    waited = batch.age_ms() / 1000
    after = time.time()
    stamp = timestamp / 1000
    if timestamp <= 0 or stamp > after:
        assert 0.0 <= waited <= after - before
    elif stamp <= before:
        assert before - stamp - 1e-3 <= waited <= after - stamp + 1e-3
