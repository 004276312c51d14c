"""Format v1 without the pipeline: what is accepted, how it is normalised, what each
rejection says. (The same rules over HTTP are in test_ingest_http.py.)"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.events import (
    Interaction,
    Mention,
    Metrics,
    Post,
    Rejection,
    normalise_url,
    parse_record,
    reject_id,
    validate_object,
)

ARRIVAL = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def parse(obj: dict):
    return parse_record(json.dumps(obj).encode(), ARRIVAL)


def test_a_post_is_normalised_to_utc_and_its_platform_alias_resolved():
    post = parse(
        {
            "type": "post",
            "event": "ausim-2022",
            "platform": "twitter",
            "post_id": "42",
            "created_at": "2022-10-26T10:30:00+01:00",
            "hashtags": ["#AUSIM"],
            "unknown": {"x": 1},
        }
    )
    assert isinstance(post, Post)
    assert post.platform == "x"
    assert post.created_at == datetime(2022, 10, 26, 9, 30, tzinfo=UTC)
    assert post.key == b"x:42"
    assert json.loads(post.to_json()) == {
        "type": "post",
        "event": "ausim-2022",
        "platform": "x",
        "post_id": "42",
        "created_at": "2022-10-26T09:30:00Z",
        "hashtags": ["#AUSIM"],
    }


def test_absent_and_null_counters_are_not_reported_and_zero_is_zero():
    snapshot = parse(
        {
            "type": "metrics",
            "event": "e",
            "platform": "youtube",
            "post_id": "v",
            "observed_at": "2024-01-01T00:00:00Z",
            "views": 0,
            "likes": None,
        }
    )
    assert isinstance(snapshot, Metrics)
    assert snapshot.views == 0 and snapshot.likes is None and snapshot.comments is None


def test_the_24_hour_rule_counts_from_arrival():
    base = {
        "type": "interaction",
        "event": "e",
        "platform": "x",
        "post_id": "p",
        "interaction_id": "i",
        "kind": "like",
    }
    assert isinstance(parse({**base, "occurred_at": "2026-11-23T11:59:59Z"}), Interaction)
    late = parse({**base, "occurred_at": "2026-11-23T12:00:01Z"})
    assert isinstance(late, Rejection) and late.field == "occurred_at" and late.event == "e"


@pytest.mark.parametrize(
    "url, identity",
    [
        ("HTTPS://News.Example.MA/Article/", "https://news.example.ma/Article"),
        (
            "https://news.example.ma/a?utm_source=x&id=3&UTM_MEDIUM=y#comments",
            "https://news.example.ma/a?id=3",
        ),
        ("https://news.example.ma/", "https://news.example.ma"),
        ("http://news.example.ma/%D8%B5%D8%AF%D9%89", "http://news.example.ma/%D8%B5%D8%AF%D9%89"),
    ],
)
def test_mention_identity_is_the_normalised_url(url, identity):
    assert normalise_url(url) == identity
    mention = parse(
        {
            "type": "mention",
            "event": "e",
            "platform": "web",
            "url": url,
            "published_at": "2024-01-01T00:00:00Z",
            "country": "ma",
        }
    )
    assert isinstance(mention, Mention) and mention.key == identity.encode() and mention.country == "MA"


def test_a_rejection_names_the_field_and_keeps_a_readable_event():
    rejection = parse(
        {
            "type": "metrics",
            "event": "ausim-2022",
            "platform": "x",
            "post_id": "p",
            "observed_at": "2022-10-26T10:00:00Z",
            "clicks": 1.5,
        }
    )
    assert rejection == Rejection("clicks", "Input should be a valid integer", "ausim-2022")
    assert rejection.message() == "clicks: Input should be a valid integer"


@given(st.binary(max_size=200))
def test_any_bytes_give_a_record_or_a_rejection_never_an_exception(raw):
    outcome = parse_record(raw, ARRIVAL)
    assert isinstance(outcome, (Post, Metrics, Interaction, Mention, Rejection))


def test_a_resent_bad_line_keeps_its_reject_id():
    assert reject_id("file.ndjson", 3, b"{oops") == reject_id("file.ndjson", 3, b"{oops")
    assert reject_id("file.ndjson", 3, b"{oops") != reject_id("file.ndjson", 4, b"{oops")


def test_an_interaction_is_keyed_by_its_own_identity_not_its_post():
    """Every version of one interaction id lands on one partition, read in order by one consumer
    (its rollups' delta compares it with the version before; docs/decisions.md)."""
    first, moved = (
        validate_object(
            {
                "type": "interaction",
                "event": "e",
                "platform": "twitter",
                "post_id": post_id,
                "interaction_id": "i7",
                "kind": "like",
                "occurred_at": "2022-10-26T10:30:00Z",
            }
        )
        for post_id in ("1", "2")
    )
    assert first.key == moved.key == b"x:i7"
