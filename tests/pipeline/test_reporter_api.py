"""The reporter's API over a store filled through the pipeline: breakdowns (agenda
sessions, hashtags), rankings, trends with a planted spike, edition comparison.
Expected figures are computed here from the records sent, with the reference."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from harness import RunningPipeline, module_pipeline
from reference import reference_post_figures, reference_series, reference_summary

from services.demo import DEMO_REGISTRY
from services.demo.simulator import seed_event
from shared.events import validate_object
from shared.hashtags import hashtag_key
from shared.registry import load_registry

AT = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
TAGGED = [("#المغرب_الرقمي", 3), ("#المغربُ_الرقمي", 1), ("#المـغرب_الرقمي", 1), ("#AUSIM2022", 2)]


def tagged_posts() -> list[dict]:
    posts, n = [], 0
    for tag, times in TAGGED:
        for _ in range(times):
            n += 1
            posts.append(
                {
                    "type": "post",
                    "event": "ausim-2022",
                    "platform": "instagram",
                    "post_id": f"tag-{n}",
                    "created_at": "2022-10-27T10:30:00+01:00",
                    "hashtags": [tag],
                }
            )
            posts.append(
                {
                    "type": "metrics",
                    "event": "ausim-2022",
                    "platform": "instagram",
                    "post_id": f"tag-{n}",
                    "observed_at": "2022-10-27T12:00:00+01:00",
                    "likes": 10 * n,
                }
            )
    return posts


def activity(event: str, per_minute_before: int, per_minute_latest: int) -> list[dict]:
    """Likes on one post: a steady 3 h baseline, then the latest 15 min."""
    records = [
        {
            "type": "post",
            "event": event,
            "platform": "x",
            "post_id": "p",
            "created_at": (AT - timedelta(hours=4)).isoformat(),
        }
    ]
    for minute in range(195):
        rate = per_minute_latest if minute >= 180 else per_minute_before
        for n in range(rate):
            moment = AT - timedelta(minutes=195 - minute) + timedelta(seconds=n)
            records.append(
                {
                    "type": "interaction",
                    "event": event,
                    "platform": "x",
                    "post_id": "p",
                    "interaction_id": f"{minute}-{n}",
                    "kind": "like",
                    "occurred_at": moment.isoformat(),
                }
            )
    return records


@pytest.fixture(scope="module")
def filled(broker, chdb_dir):
    registry = load_registry(DEMO_REGISTRY)
    edition_2022 = seed_event() + tagged_posts()
    edition_2024 = seed_event(
        seed=7, event="ausim-2024", start=datetime(2024, 10, 23, 8, 0, tzinfo=timezone(timedelta(hours=1)))
    )
    streams = {
        "2022": edition_2022,
        "2024": edition_2024,
        "spike": activity("spike", 1, 12),
        "calm": activity("calm", 4, 4),
    }
    with module_pipeline(broker, chdb_dir, "api", registry) as pipeline:
        pipeline.post_all([record for records in streams.values() for record in records])
        yield pipeline, registry, {k: [validate_object(r) for r in v] for k, v in streams.items()}


def api(pipeline: RunningPipeline, path: str, **params):
    status, body = pipeline.get(f"{pipeline.reporter}/v1/events/{path}", **params)
    return status, body


def test_agenda_sessions_count_posts_created_during_them(filled):
    pipeline, registry, streams = filled
    status, body = api(pipeline, "ausim-2022/breakdown/session", lang="fr")
    assert status == 200
    figures, _ = reference_post_figures(streams["2022"], "ausim-2022")
    created = {(r.platform, r.post_id): r.created_at for r in streams["2022"] if r.type == "post"}
    expected = {}
    for session in registry.get("ausim-2022").agenda:
        inside = [k for k, at in created.items() if session.start <= at < session.end]
        if inside:
            expected[session.id] = (len(inside), sum(figures[k]["engagements"] for k in inside))
    got = {row["key"]: (row["totals"]["posts"], row["totals"]["engagements"]) for row in body["rows"]}
    assert got == expected and expected
    titles = {row["key"]: row["title"] for row in body["rows"]}
    assert titles["opening-keynote"] == "Séance d'ouverture : la nation digitale"
    assert "by_impressions" in body["formulas"]


def test_hashtag_variants_count_as_one_shown_in_the_most_used_spelling(filled):
    pipeline, _, _ = filled
    status, body = api(pipeline, "ausim-2022/breakdown/hashtag", platform="instagram")
    assert status == 200
    rows = {row["key"]: row for row in body["rows"]}
    arabic = rows[hashtag_key("#المغرب_الرقمي")]
    assert arabic["totals"]["posts"] == 5 and arabic["display"] == "#المغرب_الرقمي"
    assert arabic["totals"]["likes"] == sum(10 * n for n in range(1, 6))
    assert rows[hashtag_key("#ausim2022")]["totals"]["posts"] == 2


def test_breakdown_by_platform_and_window_match_the_reference(filled):
    pipeline, _, streams = filled
    status, body = api(pipeline, "ausim-2024/breakdown/platform")
    reference = reference_summary(streams["2024"], "ausim-2024")["platforms"]
    assert status == 200
    assert {
        row["key"]: {"totals": row["totals"], "engagement_rate": row["engagement_rate"]}
        for row in body["rows"]
    } == reference
    start, end = "2024-10-24T00:00:00+01:00", "2024-10-25T00:00:00+01:00"
    status, body = api(pipeline, "ausim-2024/breakdown/event", **{"from": start, "to": end})
    day_two = [
        r
        for r in streams["2024"]
        if r.type == "post" and datetime.fromisoformat(start) <= r.created_at < datetime.fromisoformat(end)
    ]
    assert body["rows"][0]["totals"]["posts"] == len(day_two)


def test_top_posts_by_rate_respect_the_impressions_floor(filled):
    pipeline, _, streams = filled
    status, body = api(pipeline, "ausim-2022/top-posts", by="rate", min_impressions=5000, limit=20)
    assert status == 200 and body["posts"]
    rates = [p["engagement_rate"]["by_impressions"] for p in body["posts"]]
    assert all(p["impressions"] >= 5000 for p in body["posts"])
    assert rates == sorted(rates, reverse=True)
    figures, _ = reference_post_figures(streams["2022"], "ausim-2022")
    best = max((v["engagements"] / v["impressions"]) for v in figures.values() if v["impressions"] >= 5000)
    assert rates[0] == best


def test_a_planted_spike_is_flagged_and_a_steady_stream_is_not(filled):
    pipeline, _, _ = filled
    for event, expected in (("spike", True), ("calm", False)):
        status, body = api(
            pipeline, f"{event}/trends", at=AT.isoformat(), window=15, baseline=180, threshold=2
        )
        assert status == 200
        overall = next(t for t in body["trends"] if t["platform"] is None and t["metric"] == "engagements")
        assert overall["spike"] is expected, overall
        assert overall["latest"] == (12 if expected else 4) * 15
        assert overall["baseline"] == (1 if expected else 4) * 180


def test_editions_compare_by_event_day(filled):
    pipeline, _, streams = filled
    status, body = api(pipeline, "ausim-2024/compare")
    assert status == 200 and body["previous"] == "ausim-2022"
    now = reference_summary(streams["2024"], "ausim-2024")["totals"]
    before = reference_summary(streams["2022"], "ausim-2022")["totals"]
    assert body["delta"]["totals"]["engagements"]["absolute"] == now["engagements"] - before["engagements"]
    days = {d["day"]: d for d in body["days"]}
    assert days[1]["ausim-2024"]["date"] == "2024-10-23" and days[1]["ausim-2022"]["date"] == "2022-10-26"
    zone = load_registry(DEMO_REGISTRY).get("ausim-2022").zone
    first_day = reference_series(streams["2022"], "ausim-2022", "day", zone)
    assert days[1]["ausim-2022"]["engagements"] == sum(
        r["engagements"] for r in first_day if r["bucket"].startswith("2022-10-26")
    )


def test_series_endpoint_and_parameter_errors(filled):
    pipeline, _, streams = filled
    status, body = api(pipeline, "ausim-2022/series", bucket="day", platform="linkedin")
    zone = load_registry(DEMO_REGISTRY).get("ausim-2022").zone
    assert status == 200 and body["tz"] == "Africa/Casablanca"
    assert body["series"] == reference_series(streams["2022"], "ausim-2022", "day", zone, "linkedin")
    for path, params, word in (
        ("ausim-2022/series", {"bucket": "week"}, "bucket"),
        ("ausim-2022/series", {"tz": "Mars/Base"}, "tz"),
        ("ausim-2022/series", {"from": "yesterday"}, "from"),
        ("ausim-2022/breakdown/colour", {}, "dimension"),
        ("ausim-2022/top-posts", {"limit": "-1"}, "limit"),
        ("ausim-2022/compare", {}, "with"),
        ("Not A Slug/summary", {}, "slug"),
    ):
        status, body = api(pipeline, path, **params)
        assert status == 400 and word in body["error"], (path, body)
    status, body = api(pipeline, "ausim-2022", lang="ar")
    assert status == 200 and body["name"].startswith("مؤتمر") and len(body["agenda"]) == 3
