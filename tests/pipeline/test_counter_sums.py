"""Counter sums never wrap at 2^64 (docs/decisions.md, "Bounds that make overflow impossible"):
with counters at the largest sada stores, a post's engagements, the event's totals and rates,
the ranking of top posts and the buckets of a series are exact, compared with Python ints."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from services.reporter.analytics import top_posts
from services.reporter.series import EVER, series
from services.reporter.summary import summary
from shared.events import COUNTERS, MAX_COUNT
from shared.metrics import ENGAGEMENT_COUNTERS

# Enough posts at the maximum that Σ engagements passes 2^64 (each post: 5 × MAX_COUNT).
MANY = 2**64 // (5 * MAX_COUNT) + 10


def post(event: str, post_id: str) -> dict:
    created_at = "2024-05-01T10:00:00Z"
    return {"type": "post", "event": event, "platform": "x", "post_id": post_id, "created_at": created_at}


def snapshot(event: str, post_id: str, **counters: int) -> dict:
    return {
        "type": "metrics",
        "event": event,
        "platform": "x",
        "post_id": post_id,
        "observed_at": "2024-05-01T11:00:00Z",
        **counters,
    }


def test_three_counters_at_the_maximum_rank_a_post_first(pipeline):
    event = "sums-rank"
    counters = {
        "a": {"likes": MAX_COUNT, "comments": MAX_COUNT, "shares": MAX_COUNT, "views": MAX_COUNT},
        "b": {"likes": MAX_COUNT, "comments": 5, "views": MAX_COUNT},
        "c": {"likes": 7, "views": 100},
    }
    pipeline.post_all([r for p, c in counters.items() for r in (post(event, p), snapshot(event, p, **c))])
    ranked = top_posts(pipeline.store, event)
    assert [p["post_id"] for p in ranked] == ["a", "b", "c"]
    expected = {p: sum(c.get(k, 0) for k in ENGAGEMENT_COUNTERS) for p, c in counters.items()}
    assert {p["post_id"]: p["engagements"] for p in ranked} == expected
    assert expected["a"] == 3 * MAX_COUNT


def test_totals_over_many_posts_at_the_maximum_are_exact(pipeline):
    event = "sums-total"
    everything = dict.fromkeys(COUNTERS, MAX_COUNT)
    records = [r for n in range(MANY) for r in (post(event, f"p{n}"), snapshot(event, f"p{n}", **everything))]
    pipeline.post_all(records, chunk=4_000)
    engagements = MANY * len(ENGAGEMENT_COUNTERS) * MAX_COUNT
    assert engagements >= 2**64
    answer = summary(pipeline.store, event)
    assert answer["totals"] == {
        "posts": MANY,
        **{counter: MANY * MAX_COUNT for counter in COUNTERS},
        "engagements": engagements,
    }
    assert answer["engagement_rate"]["by_impressions"] == 5.0
    assert answer["platforms"]["x"]["totals"]["engagements"] == engagements
    buckets = series(pipeline.store, event, "day", ZoneInfo("UTC"), None, EVER)
    assert sum(b["engagements"] for b in buckets) == engagements
    assert sum(b["views"] for b in buckets) == MANY * MAX_COUNT
