"""The X and YouTube pollers end to end against local stand-ins of their APIs (the request and
answer shapes of PLATFORMS.md), through the real broker and chDB. Expected figures are computed
here from what the stand-in served, with PLATFORMS.md's mapping written out again (not with
sada's code). The schedule, matching and the checkpoint alone: tests/unit/test_poller_rules.py.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from harness import RunningPipeline, Served, env_of, module_pipeline, sada, wait_for
from harness.pollers import (
    NOW,
    app_of,
    assert_stored,
    dead_letters,
    later,
    one_pass,
    stand_in,
    stored_posts,
    tracked_event,
)

from services.collector.metrics import PollerMetrics
from services.collector.pollers.checkpoint import Checkpoint
from services.collector.pollers.x import XPoller, search_queries
from services.collector.pollers.youtube import YouTubePoller
from shared.registry import Event

# --- X -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pipeline(broker, chdb_dir) -> Iterator[RunningPipeline]:
    with module_pipeline(broker, chdb_dir, "pollxy") as running:
        yield running


class XFake:
    """X API v2 search/recent and tweets lookup, 3 posts a page."""

    PAGE = 3

    def __init__(self, tweets: dict[int, dict]):
        self.tweets = tweets  # id → {"text", "author", "media", "created"} (created None = malformed)
        self.version = 1
        self.limited_once: set[str] = set()  # next_token values answered 429 once
        self.failures: dict[str | None, int] = {}  # next_token → 503 answers left
        self.no_impressions: set[int] = set()
        self.gone: set[int] = set()
        self.served: dict[str, dict[str, int]] = {}
        self.refused: list[list[str]] = []  # the parameters answered 400
        self.users = {
            "u1": {"id": "u1", "username": "fan_one", "public_metrics": {"followers_count": 120}},
            "u2": {"id": "u2", "username": "sada_org", "public_metrics": {"followers_count": 9000}},
        }

    def public_metrics(self, n: int) -> dict[str, int]:
        v = self.version
        metrics = {
            "like_count": n % 7 + 10 * v,
            "reply_count": n % 3 + v,
            "quote_count": n % 2,
            "bookmark_count": v,
            "impression_count": 100 * n + 50 * v,
            # the newest OpenAPI file renames retweet_count: both are in use
            ("retweet_count" if n % 2 else "repost_count"): n % 5 + v,
        }
        if n in self.no_impressions:
            del metrics["impression_count"]
        return metrics

    def note(self, n: int, metrics: dict[str, int], views: int | None) -> None:
        """PLATFORMS.md's mapping, written out again."""
        served = self.served.setdefault(str(n), {})
        served.update(
            {
                "likes": metrics["like_count"],
                "comments": metrics["reply_count"],
                "saves": metrics["bookmark_count"],
                "shares": metrics.get("retweet_count", metrics.get("repost_count")) + metrics["quote_count"],
            }
        )
        if "impression_count" in metrics:
            served["impressions"] = metrics["impression_count"]
        if views is not None:
            served["views"] = views

    def tweet(self, n: int) -> tuple[dict, list[dict]]:
        spec = self.tweets[n]
        metrics = self.public_metrics(n)
        tweet = {
            "id": str(n),
            "text": spec["text"],
            "author_id": spec["author"],
            "lang": "fr",
            "public_metrics": metrics,
            "entities": {"hashtags": [{"start": 0, "end": 9, "tag": "Sada2026"}]},
        }
        if spec["created"] is not None:
            tweet["created_at"] = spec["created"]
        media = []
        if spec.get("media"):
            tweet["attachments"] = {"media_keys": [f"m{n}"]}
            media.append(
                {
                    "media_key": f"m{n}",
                    "type": "video",
                    "public_metrics": {"view_count": 1000 * n * self.version},
                }
            )
        if spec.get("expected", True):
            self.note(n, metrics, media[0]["public_metrics"]["view_count"] if media else None)
        return tweet, media

    def created(self, n: int) -> datetime:
        """A post's time, as X reads it from the id (a snowflake) or knows it."""
        known = self.tweets.get(n, {}).get("created")
        if known:
            return datetime.fromisoformat(known.replace("Z", "+00:00"))
        return datetime.fromtimestamp(((n >> 22) + 1288834974657) / 1000, UTC)

    def outside_window(self, query) -> web.Response | None:
        """Recent search covers 7 days: an older since_id or start_time answers 400."""
        window = datetime.now(UTC) - timedelta(days=7)
        problems = {}
        if "since_id" in query and self.created(int(query["since_id"])) < window:
            problems["since_id"] = [
                f"Invalid 'since_id':'{query['since_id']}'. 'since_id' must be a tweet id created "
                f"after {window:%Y-%m-%dT%H:%MZ}."
            ]
        if (
            "start_time" in query
            and datetime.fromisoformat(query["start_time"].replace("Z", "+00:00")) < window
        ):
            problems["start_time"] = [
                f"Invalid 'start_time':'{query['start_time']}'. 'start_time' must be on or after "
                f"{window:%Y-%m-%dT%H:%MZ}"
            ]
        if not problems:
            return None
        self.refused.append(sorted(problems))
        return web.json_response(
            {
                "errors": [{"parameters": problems, "message": next(iter(problems.values()))[0]}],
                "title": "Invalid Request",
                "detail": "One or more parameters to your request was invalid.",
                "type": "https://api.twitter.com/2/problems/invalid-request",
            },
            status=400,
        )

    def app(self) -> web.Application:
        async def search(request: web.Request) -> web.Response:
            assert request.headers["Authorization"] == "Bearer x-token"
            query = request.query
            assert query["query"].endswith("-is:retweet") and "#Sada2026" in query["query"]
            token = query.get("next_token")
            limits = {
                "x-rate-limit-limit": "450",
                "x-rate-limit-remaining": "449",
                "x-rate-limit-reset": str(int(time.time()) + 900),
            }
            if token in self.limited_once:
                self.limited_once.discard(token)
                return web.json_response(
                    {
                        "title": "Too Many Requests",
                        "detail": "Too Many Requests",
                        "type": "https://api.x.com/2/problems/rate-limit-exceeded",
                    },
                    status=429,
                    headers={
                        **limits,
                        "x-rate-limit-remaining": "0",
                        "x-rate-limit-reset": str(int(time.time()) + 1),
                    },
                )
            if self.failures.get(token, 0) > 0:
                self.failures[token] -= 1
                return web.Response(status=503, text="over capacity")
            if refused := self.outside_window(query):
                return refused
            since = int(query.get("since_id", "0"))
            ids = sorted((n for n in self.tweets if n > since), reverse=True)
            page = int(token[1:]) if token else 0
            chunk = ids[page * self.PAGE : (page + 1) * self.PAGE]
            data, media = [], []
            for n in chunk:
                tweet, attached = self.tweet(n)
                data.append(tweet)
                media += attached
            meta: dict[str, Any] = {"result_count": len(chunk)}
            if chunk:
                meta.update(newest_id=str(chunk[0]), oldest_id=str(chunk[-1]))
            if len(ids) > (page + 1) * self.PAGE:
                meta["next_token"] = f"p{page + 1}"
            body = {
                "data": data,
                "includes": {"users": list(self.users.values()), "media": media},
                "meta": meta,
            }
            return web.json_response(body if data else {"meta": meta}, headers=limits)

        async def lookup(request: web.Request) -> web.Response:
            assert request.headers["Authorization"] == "Bearer x-token"
            ids = [int(i) for i in request.query["ids"].split(",")]
            assert len(ids) <= 100
            data, media, errors = [], [], []
            for n in ids:
                if n in self.gone:
                    errors.append(
                        {
                            "value": str(n),
                            "detail": f"Could not find tweet with ids: [{n}].",
                            "title": "Not Found Error",
                            "resource_type": "tweet",
                            "parameter": "ids",
                            "resource_id": str(n),
                            "type": "https://api.x.com/2/problems/resource-not-found",
                        }
                    )
                    continue
                tweet, attached = self.tweet(n)
                data.append({k: tweet[k] for k in ("id", "public_metrics", "attachments") if k in tweet})
                media += attached
            return web.json_response({"data": data, "includes": {"media": media}, "errors": errors})

        return app_of({"/2/tweets/search/recent": search, "/2/tweets": lookup})


def x_event(slug: str) -> Event:
    return tracked_event(slug, "x", "sada_org", days_before=2, keywords=["nation digitale"])


def x_tweets() -> dict[int, dict]:
    # All younger than an hour: refreshed every minute.
    created = {
        n: (NOW - timedelta(minutes=110 - n)).isoformat().replace("+00:00", ".000Z") for n in range(100, 110)
    }
    tweets = {
        n: {"text": f"#Sada2026 jour {n}: la nation digitale", "author": "u1", "created": created[n]}
        for n in range(100, 108)
    }
    tweets[104]["media"] = True
    tweets[106]["text"] = "افتتاح #صدى و #Sada2026"
    tweets[101] = {
        "text": "Lunch menu of the week",
        "author": "u2",
        "created": created[101],
        "expected": False,
    }
    tweets[102] = {"text": "#Sada2026 broken", "author": "u1", "created": None, "expected": False}
    tweets[103]["author"] = "u2"  # the tracked account, about the event: kept
    return tweets


def test_x_pages_rate_limit_restart_and_refresh(pipeline, tmp_path):
    event = x_event("x-poll")
    fake = XFake(x_tweets())
    served, recorder, settings = stand_in(pipeline, tmp_path, fake.app(), "x", "/2", "x-token")
    metrics = PollerMetrics()
    with served:
        # Pass 1: page 1, a 429 on page 2 (wait until x-rate-limit-reset), page 3 down: the pass stops there.
        fake.limited_once.add("p1")
        fake.failures["p2"] = 2
        first = one_pass(XPoller, settings, event, recorder, metrics=metrics).status()
        assert first["rate_limit"]["rate_limited"] == 1 and first["rate_limit"]["last_signal"].startswith(
            "429"
        )
        assert first["errors"] == 1 and "503" in first["last_error"]
        assert metrics.registry.get_sample_value("sada_poller_rate_limited_total", {"connector": "x"}) == 1
        assert sorted(r.post_id for r in recorder.of("post")) == ["103", "104", "105", "106", "107"]
        assert [r.field for r in recorder.rejected] == ["data.2.created_at"]

        # Pass 2, after a restart: resumes at page 3 (not page 1), then polls since the newest id.
        searches = len(served.paths("/2/tweets/search/recent"))
        one_pass(XPoller, settings, event, recorder)
        resumed = served.paths("/2/tweets/search/recent")[searches]
        assert resumed["next_token"] == "p2" and "since_id" not in resumed
        assert sorted(r.post_id for r in recorder.of("post")) == ["100", "103", "104", "105", "106", "107"]

        # Pass 3, two minutes later: new posts since the newest id; every post due is refreshed.
        fake.tweets.update(
            {
                n: {
                    "text": f"nation digitale #Sada2026 {n}",
                    "author": "u1",
                    "created": (NOW - timedelta(minutes=5)).isoformat(),
                }
                for n in (108, 109)
            }
        )
        fake.version = 2
        fake.no_impressions.add(105)  # a metric that disappears: its earlier value stands
        fake.gone.add(100)  # a deleted post is no longer asked for
        third = one_pass(XPoller, settings, event, recorder, clock=later(2))
        assert served.paths("/2/tweets/search/recent")[-1]["since_id"] == "107"
        lookups = served.paths("/2/tweets")
        assert len(lookups) == 1 and sorted(lookups[0]["ids"].split(",")) == [
            "100",
            "103",
            "104",
            "105",
            "106",
            "107",
        ]
        assert third.checkpoint.posts["100"].get("gone") is True

        # Pass 4: nothing new, nothing due: no lookup.
        one_pass(XPoller, settings, event, recorder, clock=later(2))
        assert len(served.paths("/2/tweets")) == 1

    expected = ["100", "103", "104", "105", "106", "107", "108", "109"]
    assert_stored(pipeline, recorder, fake.served, "x-poll", "x", expected, snapshots=1 + 5 * 2 + 2)
    assert [(d["source"], d["field"]) for d in dead_letters(pipeline, "x-poll")] == [
        ("api:x", "data.2.created_at")
    ]
    row = pipeline.store.query(
        "SELECT account, followers, url, media FROM posts FINAL WHERE event = 'x-poll' AND post_id = '104'"
    )[0]
    assert row == {
        "account": "fan_one",
        "followers": 120,
        "url": "https://x.com/fan_one/status/104",
        "media": "video",
    }


def snowflake(moment: datetime, sequence: int = 0) -> int:
    return (int(moment.timestamp() * 1000) - 1288834974657) << 22 | sequence


def test_x_checkpoint_eight_days_old_resumes_without_a_400(pipeline, tmp_path):
    """A since_id checkpointed 8 days ago (X refuses it for ever) gives way to start_time =
    now - 7 days + a margin; the next pass asks since the newest id again."""
    event = tracked_event("x-stale", "x", days_before=10)  # started before search's 7 days
    ids = [snowflake(NOW - timedelta(minutes=m), m) for m in (30, 20, 10)]
    fake = XFake(
        {
            n: {
                "text": f"#Sada2026 toujours là {i}",
                "author": "u1",
                "created": iso_z(NOW - timedelta(minutes=m)),
            }
            for i, (n, m) in enumerate(zip(ids, (30, 20, 10), strict=True))
        }
    )
    served, recorder, settings = stand_in(pipeline, tmp_path, fake.app(), "x", "/2", "x-token")
    [query] = search_queries(event)
    old = Checkpoint(tmp_path / "x-x-stale.json")
    old.cursors[f"search:{query}"] = {"since_id": str(snowflake(NOW - timedelta(days=8)))}  # before since_at
    old.save()
    with served:
        before = datetime.now(UTC)  # the pass's own clock, not the module's NOW: a slow run drifts
        first = one_pass(XPoller, settings, event, recorder)
        after = datetime.now(UTC)
        assert fake.refused == [] and first.errors == 0, first.last_error
        [asked] = served.paths("/2/tweets/search/recent")
        assert "since_id" not in asked
        start = datetime.fromisoformat(asked["start_time"].replace("Z", "+00:00"))
        week = timedelta(days=7)
        assert before.replace(microsecond=0) - week < start <= after - week + timedelta(minutes=10)
        assert sorted(r.post_id for r in recorder.of("post")) == sorted(str(n) for n in ids)

        second = one_pass(XPoller, settings, event, recorder, clock=later(2))
        assert fake.refused == [] and second.errors == 0
        assert served.paths("/2/tweets/search/recent")[-1]["since_id"] == str(max(ids))

    pipeline.drain()
    assert stored_posts(pipeline, "x-stale") == sorted(str(n) for n in ids)


def iso_z(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", ".000Z")


def test_sada_collect_and_run_collect(pipeline, tmp_path):
    """``sada collect --platform x --once`` straight to Kafka, and ``sada run --collect x --once``
    through its own local mode, both against the X stand-in."""
    fake = XFake(
        {
            n: {
                "text": f"#Sada2026 {n}",
                "author": "u1",
                "created": (NOW - timedelta(hours=1, minutes=n)).isoformat(),
            }
            for n in range(1, 6)
        }
    )
    served = Served(fake.app())
    registry = tmp_path / "events.toml"
    registry.write_text(
        f"""
[[events]]
slug = "x-cli"
hashtags = ["#Sada2026"]
start = {(NOW - timedelta(days=1)).isoformat()}
end = {(NOW + timedelta(days=1)).isoformat()}
""",
        "utf-8",
    )
    env = {
        "SADA_X_BASE_URL": f"{served.url}/2",
        "SADA_X_TOKEN": "x-token",
        "SADA_EVENTS_FILE": str(registry),
        "SADA_POLL_STATE_DIR": str(tmp_path / "state"),
    }
    with served:
        done = sada(
            "collect",
            "--platform",
            "x",
            "--once",
            "--event",
            "x-cli",
            env=env_of(pipeline.local.settings, **env),
        )
        assert done.returncode == 0, done.stderr
        [status] = json.loads(done.stdout)
        assert status["published"] == {"post": 5, "metrics": 5} and status["state"] == "idle"
        wait_for(lambda: len(stored_posts(pipeline, "x-cli")) == 5, 30, "the collected posts")

        out = tmp_path / "out"
        done = sada(
            "run",
            "--collect",
            "x",
            "--once",
            "--event",
            "x-cli",
            "--out",
            str(out),
            env={**env, "SADA_KAFKA_BOOTSTRAP": "", "SADA_POLL_STATE_DIR": str(tmp_path / "state-run")},
        )
        assert done.returncode == 0, done.stderr
        report = json.loads((out / "summary-x-cli.json").read_text("utf-8"))
        assert report["platforms"]["x"]["totals"]["posts"] == 5
        assert report["platforms"]["x"]["totals"]["likes"] == sum(n % 7 + 10 for n in range(1, 6))

    not_configured = sada("collect", "--platform", "youtube", "--once", env=env_of(pipeline.local.settings))
    assert not_configured.returncode == 2 and "SADA_YOUTUBE_TOKEN" in not_configured.stderr


# --- YouTube -----------------------------------------------------------------------------------

PACIFIC = ZoneInfo("America/Los_Angeles")


class YouTubeFake:
    """YouTube Data API v3 search and videos, 2 results a page, counts as strings. Video ids have
    YouTube's 11 characters (shared/identity.py): sadaVideo + v1…v5 (search), c1, c2 (channel)."""

    def __init__(self, now: datetime):
        """Videos published 10 to 50 minutes before ``now``, the first pass's clock: young enough to
        be read again every minute in the passes that follow it (pollers/schedule.py), whatever
        the time of day the test runs at."""
        published = {
            f"sadaVideov{n}": (now - timedelta(minutes=10 * n))
            .astimezone(UTC)
            .isoformat()
            .replace("+00:00", "Z")
            for n in range(1, 6)
        }
        self.videos: dict[str, dict] = {
            vid: {"publishedAt": at, "title": f"Sada 2026, nation digitale ({vid})", "channelId": "UCother"}
            for vid, at in published.items()
        }
        self.videos["sadaVideov3"]["publishedAt"] = "yesterday"  # malformed
        self.videos["sadaVideoc1"] = {
            "publishedAt": published["sadaVideov1"],
            "title": "Keynote #Sada2026",
            "channelId": "UCsada",
        }
        self.videos["sadaVideoc2"] = {
            "publishedAt": published["sadaVideov2"],
            "title": "Recette de cuisine",
            "channelId": "UCsada",
        }
        self.results = {
            "q": ["sadaVideov1", "sadaVideov2", "sadaVideov3", "sadaVideov4", "sadaVideov5"],
            "channel": ["sadaVideoc1", "sadaVideoc2"],
        }
        # search.list has its own daily bucket; videos.list spends units of the 10,000 a day
        self.search_limit = 100
        self.searches = 0
        self.units = 0
        self.refused: list[str] = []
        self.rate_limited_once = False
        self.version = 1
        self.hide_likes: set[str] = set()
        self.gone: set[str] = set()
        self.served: dict[str, dict[str, int]] = {}

    def new_day(self) -> None:
        """Midnight Pacific time: both quotas start over."""
        self.searches = self.units = 0

    def statistics(self, vid: str) -> dict[str, str]:
        n = int(vid[-1]) + (10 if vid[-2] == "c" else 0)
        stats = {
            "viewCount": str(1000 * n * self.version),
            "likeCount": str(10 * n + self.version),
            "favoriteCount": "0",
            "commentCount": str(n + self.version),
        }
        if vid in self.hide_likes:
            del stats["likeCount"]
        served = self.served.setdefault(vid, {})
        served.update({"views": int(stats["viewCount"]), "comments": int(stats["commentCount"])})
        if "likeCount" in stats:
            served["likes"] = int(stats["likeCount"])
        return stats

    def app(self) -> web.Application:
        def quota() -> web.Response:
            return web.json_response(
                {
                    "error": {
                        "code": 403,
                        "message": "The request cannot be completed because you have exceeded your quota.",
                        "errors": [
                            {"message": "quota", "domain": "youtube.quota", "reason": "quotaExceeded"}
                        ],
                    }
                },
                status=403,
            )

        async def search(request: web.Request) -> web.Response:
            query = request.query
            assert query["key"] == "yt-key" and query["type"] == "video" and query["publishedAfter"]
            token = query.get("pageToken")
            self.searches += 1
            if self.searches > self.search_limit:
                self.refused.append("search")
                return quota()
            ids = self.results["channel"] if query.get("channelId") == "UCsada" else self.results["q"]
            if "channelId" not in query:
                assert query["q"] == '#Sada2026|"nation digitale"'
            page = int(token[1:]) if token else 0
            chunk = ids[page * 2 : (page + 1) * 2]
            body: dict[str, Any] = {
                "items": [
                    {
                        "id": {"kind": "youtube#video", "videoId": vid},
                        "snippet": {"publishedAt": self.videos[vid]["publishedAt"]},
                    }
                    for vid in chunk
                ]
            }
            if len(ids) > (page + 1) * 2:
                body["nextPageToken"] = f"n{page + 1}"
            return web.json_response(body)

        async def videos(request: web.Request) -> web.Response:
            assert request.query["key"] == "yt-key"
            self.units += 1
            if self.units > 10_000:
                self.refused.append("videos")
                return quota()
            if not self.rate_limited_once:
                self.rate_limited_once = True
                return web.json_response(
                    {
                        "error": {
                            "code": 403,
                            "errors": [{"domain": "youtube.quota", "reason": "rateLimitExceeded"}],
                        }
                    },
                    status=403,
                )
            items = []
            for vid in request.query["id"].split(","):
                if vid in self.gone:
                    continue
                spec = self.videos[vid]
                items.append(
                    {
                        "id": vid,
                        "snippet": {
                            **spec,
                            "channelTitle": "Sada",
                            "description": "",
                            "liveBroadcastContent": "none",
                        },
                        "statistics": self.statistics(vid),
                    }
                )
            return web.json_response({"items": items, "pageInfo": {"totalResults": len(items)}})

        return app_of({"/youtube/v3/search": search, "/youtube/v3/videos": videos})


def test_youtube_search_quota_spent_figures_go_on(pipeline, tmp_path):
    event = tracked_event("yt-poll", "youtube", "UCsada", days_before=2, keywords=["nation digitale"])
    # The first passes run "yesterday", an hour before midnight Pacific time: the search quota
    # they exhaust resets at that midnight, which is already past for the last pass.
    midnight = datetime.combine(NOW.astimezone(PACIFIC).date(), clock_time(0), PACIFIC)
    yesterday = midnight - timedelta(hours=1)
    fake = YouTubeFake(yesterday)
    served, recorder, settings = stand_in(pipeline, tmp_path, fake.app(), "youtube", "/youtube/v3", "yt-key")
    with served:
        fake.search_limit = 2  # this project's search bucket is nearly spent: page 3 is refused
        first = one_pass(YouTubePoller, settings, event, recorder, clock=lambda: yesterday).status()
        # Only the searches are paused, until YouTube's reset; no rate-limit block.
        assert first["state"] == "rate-limited" and first["rate_limit"]["blocked_until"] is None
        assert [(p["scope"], datetime.fromisoformat(p["until"])) for p in first["paused"]] == [
            ("search", midnight)
        ]
        assert "search quota is spent" in first["paused"][0]["why"]
        assert "SADA_YOUTUBE_SEARCH_CALLS_PER_DAY" in first["paused"][0]["remedy"]
        assert first["rate_limit"]["rate_limited"] == 1  # rateLimitExceeded on videos.list, backed off
        assert first["quota"]["searches"] == 3 and first["quota"]["units"] == 2
        assert first["quota"]["search_every_s"] == 3600  # nothing left: the next search after the reset
        assert sorted(r.post_id for r in recorder.of("post")) == ["sadaVideov1", "sadaVideov2", "sadaVideov4"]
        assert [r.field for r in recorder.rejected] == ["items.0.snippet.publishedAt"]
        assert fake.refused == ["search"]  # the channel's search was not even tried

        # Two minutes later, still before the reset: no search, the figures are refreshed.
        searches = len(served.paths("/youtube/v3/search"))
        snapshots = len(recorder.of("metrics"))
        fake.version = 2
        second = one_pass(
            YouTubePoller, settings, event, recorder, clock=lambda: yesterday + timedelta(minutes=2)
        )
        assert len(served.paths("/youtube/v3/search")) == searches
        assert len(recorder.of("metrics")) == snapshots + 3 and second.state == "idle"

        # After the reset (and a restart): page 3 of the search, then the channel.
        fake.new_day()
        fake.version = 3
        fake.hide_likes.add("sadaVideov1")  # likes hidden: the earlier count stands
        fake.gone.add("sadaVideov4")
        third = one_pass(YouTubePoller, settings, event, recorder)
        assert third.state == "idle" and third.errors == 0, third.last_error
        searches = served.paths("/youtube/v3/search")
        assert searches[len(searches) - 2]["pageToken"] == "n2" and searches[-1]["channelId"] == "UCsada"
        assert third.checkpoint.posts["sadaVideov4"].get("gone") is True

    expected = [
        "sadaVideoc1",
        "sadaVideov1",
        "sadaVideov2",
        "sadaVideov4",
        "sadaVideov5",
    ]  # v3 malformed, c2 not about the event
    assert_stored(pipeline, recorder, fake.served, "yt-poll", "youtube", expected, snapshots=10)
    assert len(dead_letters(pipeline, "yt-poll")) == 1
