"""The reference implementation on small streams whose figures are worked out by hand
from DESIGN §4 (the pipeline is held against this reference in the property test)."""

from __future__ import annotations

from reference import reference_summary

from shared.events import validate_object

E = "hand"


def records(*objs):
    return [validate_object({"event": E, **obj}) for obj in objs]


def snap(post_id, at, platform="linkedin", **counters):
    return {
        "type": "metrics",
        "platform": platform,
        "post_id": post_id,
        "observed_at": f"2024-05-01T{at}:00:00Z",
        **counters,
    }


def test_the_latest_snapshot_reporting_a_counter_wins_even_if_lower_or_out_of_order():
    stream = records(
        snap("p", "12", likes=40, impressions=1000),
        snap("p", "10", likes=10, impressions=200, comments=5),  # older, arrives later
        snap("p", "11", likes=50),
        snap("p", "13", impressions=1500),  # latest, does not report likes
    )
    totals = reference_summary(stream, E)["totals"]
    # likes: latest reporting snapshot is 12h (40, lower than 11h's 50: an unlike);
    # impressions: 13h; comments: only 10h reports them.
    assert (totals["likes"], totals["impressions"], totals["comments"]) == (40, 1500, 5)
    assert totals["posts"] == 0  # no post record: counted in counters, not in posts


def test_interactions_count_only_where_no_snapshot_reports_the_counter():
    def interaction(n, kind, post="p"):
        return {
            "type": "interaction",
            "platform": "x",
            "post_id": post,
            "interaction_id": f"i{n}",
            "kind": kind,
            "occurred_at": "2024-05-01T10:00:00Z",
        }

    stream = records(
        {"type": "post", "platform": "x", "post_id": "p", "created_at": "2024-05-01T09:00:00Z"},
        interaction(1, "like"),
        interaction(2, "like"),
        interaction(2, "like"),  # i2 twice: counts once
        interaction(3, "click"),
        interaction(4, "view"),
        snap("p", "11", platform="x", likes=7),
    )
    summary = reference_summary(stream, E)
    # likes come from the snapshot (7), clicks and views from interactions (1 each)
    assert summary["totals"]["likes"] == 7
    assert summary["totals"]["clicks"] == 1 and summary["totals"]["views"] == 1
    assert summary["totals"]["engagements"] == 8
    assert summary["totals"]["posts"] == 1


def test_rates_are_weighted_over_posts_with_a_denominator():
    stream = records(
        {
            "type": "post",
            "platform": "linkedin",
            "post_id": "a",
            "created_at": "2024-05-01T09:00:00Z",
            "followers": 1000,
        },
        {"type": "post", "platform": "linkedin", "post_id": "b", "created_at": "2024-05-01T09:00:00Z"},
        snap("a", "10", likes=10, impressions=100),
        snap("b", "10", likes=30, impressions=900),
        snap("c", "10", likes=60),  # no impressions: left out of by_impressions, numerator too
    )
    summary = reference_summary(stream, E)
    rates = summary["engagement_rate"]
    assert rates["by_impressions"] == (10 + 30) / (100 + 900)  # not the mean of 0.1 and 0.0333
    assert rates["by_followers"] == 10 / 1000
    assert rates["by_reach"] is None and rates["by_views"] is None
    assert summary["platforms"]["linkedin"]["totals"]["engagements"] == 100


def test_mentions_count_distinct_normalised_urls_outlets_and_countries():
    def mention(url, outlet=None, country=None):
        return {
            "type": "mention",
            "platform": "web",
            "url": url,
            "published_at": "2024-05-01T10:00:00Z",
            **({"outlet": outlet} if outlet else {}),
            **({"country": country} if country else {}),
        }

    stream = records(
        mention("https://a.example/x", "Le Matin", "MA"),
        mention("https://A.example/x/?utm_campaign=z", "Le Matin", "MA"),  # same article
        mention("https://b.example/y", "Hespress", "FR"),
        mention("https://c.example/z"),
    )
    assert reference_summary(stream, E)["mentions"] == {"articles": 3, "outlets": 2, "countries": 2}


def test_other_events_do_not_leak_in():
    stream = records(snap("p", "10", likes=5)) + [
        validate_object({**snap("p", "10", likes=9), "event": "other"})
    ]
    assert reference_summary(stream, E)["totals"]["likes"] == 5
