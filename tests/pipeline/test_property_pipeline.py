"""Random streams through the real pipeline: the summary ClickHouse computes equals the
plain-Python reference implementation of DESIGN §4, per event and per platform.

Streams mix posts, snapshots (out of order, counters going down), interactions and
mentions over a few shared identities, with exact duplicates and re-sent versions.
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from harness import ndjson
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from reference import reference_post_figures, reference_series, reference_summary

from services.reporter.series import BUCKETS, series
from services.reporter.summary import summary
from shared.events import COUNTERS, validate_object

_examples = itertools.count()
BASE = datetime(2024, 3, 30, 22, 0, tzinfo=UTC)
PLATFORMS = st.sampled_from(["x", "linkedin", "youtube", "twitter"])
POST_IDS = st.sampled_from(["a", "b", "c", "d", "e"])
# 22:00 UTC on 30 March 2024 + up to 12 h: crosses midnight in every zone below and
# the daylight-saving change of Europe/Paris (01:00 UTC on the 31st).
MOMENTS = st.integers(0, 12 * 60).map(lambda m: (BASE + timedelta(minutes=m)).isoformat())
ZONES = st.sampled_from(["Europe/Paris", "Africa/Casablanca", "Asia/Kolkata", "America/St_Johns", "UTC"])
COUNTER = st.one_of(st.none(), st.integers(0, 5_000))


def of_a_post(kind: str, event: str, moment: str) -> dict:
    """The required fields of a record about a post: its kind, event, platform, id and ``moment``."""
    return {
        "type": st.just(kind),
        "event": st.just(event),
        "platform": PLATFORMS,
        "post_id": POST_IDS,
        moment: MOMENTS,
    }


def posts(event: str):
    return st.fixed_dictionaries(
        of_a_post("post", event, "created_at"),
        optional={
            "followers": st.one_of(st.none(), st.integers(0, 50_000)),
            "text": st.sampled_from(["مرحبا بالجميع", "Bonjour à tous", "hello"]),
            "url": st.just("https://example.org/p"),
        },
    )


def snapshots(event: str):
    return st.fixed_dictionaries(
        of_a_post("metrics", event, "observed_at"), optional={name: COUNTER for name in COUNTERS}
    )


def interactions(event: str):
    return st.builds(
        lambda platform, post_id, n, kind, at: {
            "type": "interaction",
            "event": event,
            "platform": platform,
            "post_id": post_id,
            # one id belongs to one post, so re-sent interactions are copies
            "interaction_id": f"{post_id}-{n}",
            "kind": kind,
            "occurred_at": at,
        },
        PLATFORMS,
        POST_IDS,
        st.integers(0, 6),
        st.sampled_from(["like", "comment", "share", "click", "save", "view"]),
        MOMENTS,
    )


URLS = st.sampled_from(
    [
        "https://news.example/a",
        "HTTPS://News.Example/a/",
        "https://news.example/a#top",
        "https://news.example/a?utm_source=x",
        "https://news.example/b?id=2",
        "https://other.example/c",
    ]
)


def mentions(event: str):
    return st.fixed_dictionaries(
        {
            "type": st.just("mention"),
            "event": st.just(event),
            "platform": st.just("web"),
            "url": URLS,
            "published_at": MOMENTS,
        },
        optional={
            "outlet": st.sampled_from(["Hespress", "Le Matin", ""]),
            "country": st.sampled_from(["MA", "fr", "SN"]),
        },
    )


@st.composite
def streams(draw, event: str):
    records = draw(
        st.lists(
            st.one_of(posts(event), snapshots(event), interactions(event), mentions(event)),
            min_size=1,
            max_size=40,
        )
    )
    copies = draw(st.lists(st.sampled_from(records), max_size=10))
    order = draw(st.permutations(records + copies))
    return order


def core(summary_: dict) -> dict:
    """The parts of a summary the reference defines (top posts are checked apart)."""
    return {
        key: summary_[key]
        for key in ("event", "totals", "engagement_rate", "platforms", "mentions", "rejected")
    }


@pytest.mark.slow
def test_clickhouse_summary_and_series_equal_the_reference(pipeline):
    # each example runs the whole pipeline (about a second), so no shrinking: the
    # failing stream is printed as drawn
    @hsettings(
        max_examples=40,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
    )
    @given(data=st.data())
    def check(data):
        event = f"prop-{next(_examples)}"
        other = f"{event}-other"
        stream = data.draw(streams(event))
        noise = data.draw(streams(other))
        mixed = data.draw(st.permutations(stream + noise))
        status, answer, _ = pipeline.post(ndjson(mixed))
        assert status == 200 and answer["rejected"] == [], answer
        pipeline.drain()
        records = [validate_object(json.loads(json.dumps(r))) for r in mixed]
        for slug in (event, other):
            got = summary(pipeline.store, slug, top=100)
            assert core(got) == core(reference_summary(records, slug))
            figures, _ = reference_post_figures(records, slug)
            expected_top = sorted(
                ((v["engagements"], k) for k, v in figures.items()), key=lambda item: (-item[0], item[1])
            )
            assert [
                (p["engagements"], (p["platform"], p["post_id"])) for p in got["top_posts"]
            ] == expected_top
            zone = ZoneInfo(data.draw(ZONES))
            for bucket in BUCKETS:
                rows = series(pipeline.store, slug, bucket, zone)
                assert rows == reference_series(records, slug, bucket, zone)
                for platform, block in got["platforms"].items():
                    mine = [r for r in rows if r["platform"] == platform]
                    for name in ("posts", *COUNTERS, "engagements"):
                        assert sum(r[name] for r in mine) == block["totals"][name]
            platform = data.draw(PLATFORMS.map(lambda p: "x" if p == "twitter" else p))
            assert series(pipeline.store, slug, "hour", zone, platform) == reference_series(
                records, slug, "hour", zone, platform
            )

    check()
