"""Facebook Pages and Instagram pollers against local stand-ins of the Graph API (PLATFORMS.md):
paging, Meta's throttling codes and usage headers, a restart in the middle, insights metrics that
are refused or disappear (dropped one by one and remembered), an empty insights list (missing,
not 0), malformed items; through the real broker and chDB."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from harness import RunningPipeline, module_pipeline
from harness.pollers import NOW, app_of, assert_stored, dead_letters, later, one_pass, stand_in, tracked_event

from services.collector.metrics import PollerMetrics
from services.collector.pollers.facebook import FacebookPoller
from services.collector.pollers.instagram import InstagramPoller

TOKEN = "fb-token"
INVALID_METRIC = {
    "error": {
        "message": "(#100) The value must be a valid insights metric",
        "type": "OAuthException",
        "code": 100,
        "fbtrace_id": "A1",
    }
}


# What a Video node (a reel) has, and what an Instagram hashtag edge returns (no username):
# the Graph API refuses any other field with code 100.
VIDEO_FIELDS = {"id", "description", "created_time", "updated_time", "permalink_url", "length", "title"}
VIDEO_FIELDS |= {"likes", "comments", "source", "picture", "post_id"}
HASHTAG_MEDIA_FIELDS = {
    "id",
    "caption",
    "children",
    "comments_count",
    "like_count",
    "media_type",
    "media_url",
    "permalink",
    "timestamp",
}


def asked_fields(request: web.Request) -> list[str]:
    """The top-level names of a ``fields`` parameter (``likes.summary(true)`` → ``likes``)."""
    return [re.split(r"[.{(]", name, maxsplit=1)[0] for name in request.query["fields"].split(",")]


def unknown_fields(request: web.Request, known: set[str], node: str = "Video") -> web.Response | None:
    unknown = [name for name in asked_fields(request) if name not in known]
    if not unknown:
        return None
    return web.json_response(
        {
            "error": {
                "message": f"(#100) Tried accessing nonexisting field ({unknown[0]}) on node type ({node})",
                "type": "OAuthException",
                "code": 100,
                "fbtrace_id": "A7",
            }
        },
        status=400,
    )


@pytest.fixture(scope="module")
def pipeline(broker, chdb_dir) -> Iterator[RunningPipeline]:
    with module_pipeline(broker, chdb_dir, "pollmeta") as running:
        yield running


# Posts are dated from the start of each test, not from the module's import: in a full run a
# test starts minutes later, and the posts' ages decide which are due for a refresh.
STARTED = [NOW]


@pytest.fixture(autouse=True)
def _started_now():
    STARTED[0] = datetime.now(UTC).replace(microsecond=0)


def graph_time(minutes_ago: int) -> str:
    return (STARTED[0] - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%S+0000")


# --- Facebook ----------------------------------------------------------------------------------


class FacebookFake:
    PAGE = 2

    def __init__(self, base: str = "/v23.0"):
        self.base = base
        self.url = ""
        self.minutes = {f"1067_{n}": 10 * n for n in range(1, 6)}
        self.posts = {
            post_id: {"created_time": graph_time(ago), "message": f"#Sada2026 jour {post_id[-1]}"}
            for post_id, ago in self.minutes.items()
        }
        del self.posts["1067_3"]["created_time"]  # malformed
        self.posts["1067_4"]["message"] = "Horaires d'ouverture de la boutique"  # not about the event
        self.order = sorted(self.posts, key=lambda p: int(p.split("_")[1]))  # newest first
        self.insights = {"post_media_view", "post_impressions", "post_impressions_unique", "post_clicks"}
        self.throttle_once: set[str] = set()
        self.failures: dict[str, int] = {}
        self.deleted: set[str] = set()
        self.version = 1
        self.served: dict[str, dict[str, int]] = {}
        self.reels: dict[str, dict] = {}  # video id → {"created_time", "description"}, newest first
        self.invalidated: int | None = None  # an error_subcode: every call answers code 190

    def reel_counts(self, reel_id: str) -> dict:
        n, v = int(reel_id[1:]), self.version
        self.served.setdefault(reel_id, {}).update({"likes": 30 * n + v, "comments": 3 * n + v})
        return {
            "likes": {"data": [], "summary": {"total_count": 30 * n + v}},
            "comments": {"data": [], "summary": {"total_count": 3 * n + v}},
        }

    def counts(self, post_id: str) -> dict:
        n, v = int(post_id.split("_")[1]), self.version
        counts = {
            "reactions": {"data": [], "summary": {"total_count": 10 * n + v}},
            "comments": {"data": [], "summary": {"total_count": n + v, "can_comment": True}},
            "shares": {"count": n * v},
        }
        self.served.setdefault(post_id, {}).update({"likes": 10 * n + v, "comments": n + v, "shares": n * v})
        return counts

    def page_of_posts(self, page: str, after: str, since: int) -> dict:
        """A page of a Page's posts published since ``since``, from the cursor ``after``."""
        listed = [
            p for p in self.order if (STARTED[0] - timedelta(minutes=self.minutes[p])).timestamp() >= since
        ]
        start = int(after[1:]) if after else 0
        chunk = listed[start : start + self.PAGE]
        data = []
        for post_id in chunk:
            item = {
                "id": post_id,
                **self.posts[post_id],
                "permalink_url": f"https://www.facebook.com/{post_id}",
                "from": {"name": "Sada", "id": page},
                **self.counts(post_id),
            }
            data.append(item)
        body: dict = {
            "data": data,
            "paging": {"cursors": {"before": "b", "after": f"a{start + len(chunk)}"}},
        }
        if start + self.PAGE < len(listed):
            body["paging"]["next"] = (
                f"{self.url}{self.base}/{page}/posts?access_token={TOKEN}&limit=2&since={since}"
                f"&fields=id%2Cmessage&after=a{start + self.PAGE}"
            )
        return body

    def reels_by_ids(self, request: web.Request, ids: list[str]) -> web.Response:
        return unknown_fields(request, VIDEO_FIELDS) or web.json_response(
            {p: {"id": p, **self.reel_counts(p)} for p in ids}
        )

    async def reels_of(self, request: web.Request) -> web.Response:
        assert request.query["access_token"] == TOKEN
        if refused := unknown_fields(request, VIDEO_FIELDS):
            return refused
        data = [
            {
                "id": reel_id,
                **spec,
                "permalink_url": f"/reel/{reel_id}/",
                "length": 12.5,
                **self.reel_counts(reel_id),
            }
            for reel_id, spec in self.reels.items()
        ]
        return web.json_response({"data": data, "paging": {"cursors": {"before": "b", "after": "a"}}})

    async def video_insights(self, request: web.Request) -> web.Response:
        assert request.query["access_token"] == TOKEN
        reel_id, metrics = request.match_info["video"], request.query["metric"].split(",")
        n, v = int(reel_id[1:]), self.version
        values = {"blue_reels_play_count": 5000 * n + v, "post_impressions_unique": 2000 * n + v}
        if any(m not in values for m in metrics):
            return web.json_response(INVALID_METRIC, status=400)
        names = {"blue_reels_play_count": "views", "post_impressions_unique": "reach"}
        self.served.setdefault(reel_id, {}).update({names[m]: values[m] for m in metrics})
        return web.json_response(
            {"data": [{"name": m, "period": "lifetime", "values": [{"value": values[m]}]} for m in metrics]}
        )

    @web.middleware
    async def invalidated_answer(self, request: web.Request, handler):
        if self.invalidated is None:
            return await handler(request)
        return web.json_response(
            {
                "error": {
                    "message": "Error validating access token: The session has been invalidated "
                    "because the user changed their password or Facebook has changed the session "
                    "for security reasons.",
                    "type": "OAuthException",
                    "code": 190,
                    "error_subcode": self.invalidated,
                    "fbtrace_id": "A9",
                }
            },
            status=400,
        )

    def app(self) -> web.Application:
        usage = {"X-App-Usage": json.dumps({"call_count": 28, "total_cputime": 25, "total_time": 25})}

        def check_token(request: web.Request) -> None:
            assert request.query["access_token"] == TOKEN

        async def posts(request: web.Request) -> web.Response:
            check_token(request)
            page, after = request.match_info["page"], request.query.get("after", "")
            if after in self.throttle_once:
                self.throttle_once.discard(after)
                return web.json_response(
                    {
                        "error": {
                            "message": "(#4) Application request limit reached",
                            "type": "OAuthException",
                            "is_transient": True,
                            "code": 4,
                            "fbtrace_id": "A2",
                        }
                    },
                    status=403,
                    headers={
                        "X-App-Usage": json.dumps({"call_count": 100, "total_cputime": 40, "total_time": 40})
                    },
                )
            if self.failures.get(after, 0) > 0:
                self.failures[after] -= 1
                return web.json_response(
                    {"error": {"message": "An unknown error occurred", "code": 1}}, status=500
                )
            since = int(request.query.get("since", "0"))
            return web.json_response(self.page_of_posts(page, after, since), headers=usage)

        async def by_ids(request: web.Request) -> web.Response:
            check_token(request)
            ids = request.query["ids"].split(",")
            if all(p in self.reels for p in ids):
                return self.reels_by_ids(request, ids)
            if any(p in self.deleted for p in ids):
                return web.json_response(
                    {"error": {"message": "(#100) Object does not exist", "code": 100}}, status=400
                )
            return web.json_response({p: {"id": p, **self.counts(p)} for p in ids}, headers=usage)

        async def one(request: web.Request) -> web.Response:
            check_token(request)
            post_id = request.match_info["post"]
            if post_id in self.deleted:
                return web.json_response(
                    {"error": {"message": "(#100) Object does not exist", "code": 100}}, status=400
                )
            return web.json_response({"id": post_id, **self.counts(post_id)}, headers=usage)

        async def insights(request: web.Request) -> web.Response:
            check_token(request)
            assert request.query["period"] == "lifetime"
            post_id, metrics = request.match_info["post"], request.query["metric"].split(",")
            if any(m not in self.insights for m in metrics):
                return web.json_response(INVALID_METRIC, status=400)  # one removed metric fails the call
            n, v = int(post_id.split("_")[1]), self.version
            values = {
                "post_media_view": 1000 * n + v,
                "post_impressions": 900 * n + v,
                "post_impressions_unique": 500 * n + v,
                "post_clicks": 7 * n + v,
            }
            names = {
                "post_media_view": "views",
                "post_impressions": "impressions",
                "post_impressions_unique": "reach",
                "post_clicks": "clicks",
            }
            self.served.setdefault(post_id, {}).update({names[m]: values[m] for m in metrics})
            return web.json_response(
                {
                    "data": [
                        {
                            "name": m,
                            "period": "lifetime",
                            "values": [{"value": values[m]}],
                            "title": m,
                            "id": f"{post_id}/insights/{m}/lifetime",
                        }
                        for m in metrics
                    ]
                },
                headers=usage,
            )

        app = app_of(
            {
                f"{self.base}/": by_ids,
                f"{self.base}/{{page}}/posts": posts,
                f"{self.base}/{{page}}/video_reels": self.reels_of,
                f"{self.base}/{{video}}/video_insights": self.video_insights,
                f"{self.base}/{{post}}/insights": insights,
                f"{self.base}/{{post}}": one,
            }
        )
        app.middlewares.append(self.invalidated_answer)
        return app


def test_facebook_pages_throttling_restart_and_insights(pipeline, tmp_path):
    event = tracked_event("fb-poll", "facebook", "1067")
    fake = FacebookFake()
    served, recorder, settings = stand_in(pipeline, tmp_path, fake.app(), "facebook", "/v23.0", TOKEN)
    fake.url = served.url
    metrics = PollerMetrics()
    with served:
        # Pass 1: Meta throttles page 2 (code 4, usage at 100 %), page 3 fails: the pass stops there.
        fake.throttle_once.add("a2")
        fake.failures["a4"] = 2
        first = one_pass(FacebookPoller, settings, event, recorder, metrics=metrics)
        status = first.status()
        assert status["rate_limit"]["rate_limited"] == 1 and "code 4" in status["rate_limit"]["last_signal"]
        assert status["rate_limit"]["usage_percent"] == 28
        assert (
            metrics.registry.get_sample_value("sada_poller_rate_limit_remaining", {"connector": "facebook"})
            == 72
        )
        assert sorted(r.post_id for r in recorder.of("post")) == ["1067_1", "1067_2"]
        assert [r.field for r in recorder.rejected] == ["data.0.created_time"]
        checkpoint = first.checkpoint.path.read_text("utf-8")
        assert "after=a4" in checkpoint and TOKEN not in checkpoint  # paging.next, without the token

        # Pass 2, restarted two minutes later: page 3, then the figures of the posts due, with
        # insights probed one by one: the two metrics this Page does not have are dropped.
        fake.version = 2
        before = len(served.paths("/v23.0/1067/posts"))
        second = one_pass(FacebookPoller, settings, event, recorder, clock=later(2))
        assert served.paths("/v23.0/1067/posts")[before]["after"] == "a4"
        assert sorted(second.checkpoint.dropped_metrics) == [
            "post_total_media_view_unique",
            "post_video_views",
        ]
        asked = [q["metric"] for q in served.paths("/v23.0/1067_2/insights")]
        assert asked == ["post_media_view,post_impressions,post_impressions_unique,post_clicks"]

        # Pass 3: post_impressions disappears (its earlier value stands), a post is deleted.
        fake.version = 3
        fake.insights.discard("post_impressions")
        fake.deleted.add("1067_2")
        third = one_pass(FacebookPoller, settings, event, recorder, clock=later(4))
        assert "post_impressions" in third.status()["dropped_metrics"]
        assert third.checkpoint.posts["1067_2"]["gone"] is True

    expected = ["1067_1", "1067_2", "1067_5"]
    assert_stored(pipeline, recorder, fake.served, "fb-poll", "facebook", expected, snapshots=7)
    assert len(dead_letters(pipeline, "fb-poll")) == 1


# --- Instagram ---------------------------------------------------------------------------------

USER = "17841400000000001"
# IG Media ids are digits (shared/identity.py): hashtag media n and own media n.
HASHTAG = {n: f"1790000000000000{n}" for n in range(1, 6)}
OWN = {n: f"1780000000000000{n}" for n in range(1, 3)}


class InstagramFake:
    PAGE = 2

    def __init__(self):
        self.media = {
            f"1790000000000000{n}": {
                "timestamp": graph_time(5 * n),
                "caption": f"Au #Sada2026 {n}",
                "username": f"fan{n}",
                "media_type": "IMAGE",
                "permalink": f"https://www.instagram.com/p/m{n}/",
            }
            for n in range(1, 6)
        }
        del self.media["17900000000000003"]["timestamp"]  # malformed
        self.own = {
            "17800000000000001": {
                "timestamp": graph_time(3),
                "caption": "Notre stand au #Sada2026",
                "username": "sada",
                "media_type": "IMAGE",
                "permalink": "https://www.instagram.com/p/o1/",
            },
            "17800000000000002": {
                "timestamp": graph_time(4),
                "caption": "Bonne fête !",
                "username": "sada",
                "media_type": "IMAGE",
                "permalink": "https://www.instagram.com/p/o2/",
            },
        }
        self.insights = {"views", "reach", "likes", "comments", "shares", "saved"}
        self.throttle_once: set[str] = set()
        self.failures: dict[str, int] = {}
        self.version = 1
        self.served: dict[str, dict[str, int]] = {}

    def counted(self, media_id: str, spec: dict) -> dict:
        n = int(media_id[-1])
        counts = {"like_count": 10 * n + self.version, "comments_count": n + self.version}
        self.served.setdefault(media_id, {}).update(
            {"likes": counts["like_count"], "comments": counts["comments_count"]}
        )
        return {"id": media_id, **spec, **counts}

    def app(self) -> web.Application:
        async def search(request: web.Request) -> web.Response:
            assert request.query["user_id"] == USER and request.query["q"] == "Sada2026"
            return web.json_response({"data": [{"id": "17843853986012965"}]})

        async def recent(request: web.Request) -> web.Response:
            assert request.match_info["tag"] == "17843853986012965" and request.query["user_id"] == USER
            after = request.query.get("after", "")
            if after in self.throttle_once:
                self.throttle_once.discard(after)
                usage = {
                    USER: [
                        {
                            "type": "instagram",
                            "call_count": 100,
                            "total_cputime": 10,
                            "total_time": 10,
                            "estimated_time_to_regain_access": 0,
                        }
                    ]
                }
                return web.json_response(
                    {"error": {"message": "(#32) Page request limit reached", "code": 32}},
                    status=400,
                    headers={"X-Business-Use-Case-Usage": json.dumps(usage)},
                )
            if self.failures.get(after, 0) > 0:
                self.failures[after] -= 1
                return web.Response(status=502)
            if refused := unknown_fields(request, HASHTAG_MEDIA_FIELDS, "ShadowIGMediaForHashtag"):
                return refused
            ids = list(self.media)
            start = int(after[1:]) if after else 0
            chunk = ids[start : start + self.PAGE]
            fields = set(asked_fields(request))
            body: dict = {
                "data": [
                    {k: v for k, v in self.counted(m, self.media[m]).items() if k in fields} for m in chunk
                ]
            }
            if start + self.PAGE < len(ids):
                body["paging"] = {
                    "cursors": {"after": f"c{start + self.PAGE}"},
                    "next": f"https://graph.example/recent_media?after=c{start + self.PAGE}",
                }
            return web.json_response(body)

        async def own(request: web.Request) -> web.Response:
            assert request.match_info["user"] == USER
            return web.json_response({"data": [self.counted(m, spec) for m, spec in self.own.items()]})

        async def insights(request: web.Request) -> web.Response:
            media_id, metrics = request.match_info["media"], request.query["metric"].split(",")
            if any(m not in self.insights for m in metrics):
                return web.json_response(INVALID_METRIC, status=400)
            v = self.version
            values = {"views": 300 + v, "reach": 200 + v, "likes": 20 + v, "comments": 3 + v, "saved": 5 + v}
            names = {
                "views": "views",
                "reach": "reach",
                "likes": "likes",
                "comments": "comments",
                "saved": "saves",
            }
            self.served.setdefault(media_id, {}).update({names[m]: values[m] for m in metrics if m in values})
            # shares: no data yet, an empty list
            return web.json_response(
                {
                    "data": [
                        {
                            "name": m,
                            "period": "lifetime",
                            "values": [{"value": values[m]}] if m in values else [],
                        }
                        for m in metrics
                    ]
                }
            )

        return app_of(
            {
                "/v23.0/ig_hashtag_search": search,
                "/v23.0/{tag}/recent_media": recent,
                "/v23.0/{user}/media": own,
                "/v23.0/{media}/insights": insights,
            }
        )


def test_instagram_hashtag_and_own_media(pipeline, tmp_path):
    event = tracked_event("ig-poll", "instagram", USER)
    fake = InstagramFake()
    served, recorder, settings = stand_in(pipeline, tmp_path, fake.app(), "instagram", "/v23.0", "ig")
    with served:
        # Pass 1: the hashtag's page 2 is throttled (code 32), page 3 fails; own media go on.
        fake.throttle_once.add("c2")
        fake.failures["c4"] = 2
        first = one_pass(InstagramPoller, settings, event, recorder).status()
        assert first["rate_limit"]["rate_limited"] == 1 and first["rate_limit"]["usage_percent"] == 100
        assert sorted(r.post_id for r in recorder.of("post")) == [OWN[1], HASHTAG[1], HASHTAG[2], HASHTAG[4]]
        assert [r.field for r in recorder.rejected] == ["data.0.timestamp"]

        # Pass 2, restarted: the hashtag resumes at page 3; own media get their insights.
        fake.version = 2
        before = len(served.paths("/v23.0/17843853986012965/recent_media"))
        one_pass(InstagramPoller, settings, event, recorder, clock=later(2))
        assert served.paths("/v23.0/17843853986012965/recent_media")[before]["after"] == "c4"
        assert len(served.paths("/v23.0/ig_hashtag_search")) == 1  # the hashtag id is kept

        # Pass 3: "saved" disappears; hashtag media are read again from recent_media.
        fake.version = 3
        fake.insights.discard("saved")
        third = one_pass(InstagramPoller, settings, event, recorder, clock=later(4))
        assert list(third.status()["dropped_metrics"]) == ["IMAGE:saved"]

    # the third hashtag media is malformed, the second own media not about the event
    expected = [OWN[1], HASHTAG[1], HASHTAG[2], HASHTAG[4], HASHTAG[5]]
    assert_stored(pipeline, recorder, fake.served, "ig-poll", "instagram", expected, snapshots=4 + 2 + 5)
    # the malformed media was read in passes 1 and 3 with different counts: dead-lettered once
    assert len(recorder.rejected) == len(dead_letters(pipeline, "ig-poll")) == 1
    shares = pipeline.store.query(
        "SELECT countIf(shares IS NOT NULL) AS n FROM metrics WHERE event = 'ig-poll'"
    )
    assert shares == [{"n": 0}]  # an empty insights list is "not reported", never 0


def test_facebook_reels_and_an_invalidated_token(pipeline, tmp_path):
    """Reels come from video_reels (posts does not list them) with their own figures; a token
    invalidated (code 190) stops the connector and names the variable to renew it."""
    event = tracked_event("fb-reels", "facebook", "1067")
    fake = FacebookFake()
    fake.reels = {
        "91": {"created_time": graph_time(3), "description": "Le direct du #Sada2026 en 30 secondes"},
        "92": {"created_time": graph_time(6), "description": "Recette du jour"},  # not about the event
    }
    served, recorder, settings = stand_in(pipeline, tmp_path, fake.app(), "facebook", "/v23.0", TOKEN)
    fake.url = served.url
    with served:
        first = one_pass(FacebookPoller, settings, event, recorder)
        assert first.errors == 0, first.last_error
        # A reel is the Page's post of its video: {page-id}_{video-id}, like the Graph's posts.
        reel = next(r for r in recorder.of("post") if r.post_id == "1067_91")
        assert (reel.media, reel.url) == ("video", "https://www.facebook.com/reel/91/")
        assert sorted(r.post_id for r in recorder.of("post")) == ["1067_1", "1067_2", "1067_5", "1067_91"]

        fake.version = 2
        second = one_pass(FacebookPoller, settings, event, recorder, clock=later(2))
        asked = served.paths("/v23.0/91/video_insights")
        assert [q["metric"] for q in asked] == ["blue_reels_play_count,post_impressions_unique"]
        assert not any(key.startswith("reel:") for key in second.checkpoint.dropped_metrics)

        fake.invalidated = 460
        third = one_pass(FacebookPoller, settings, event, recorder, clock=later(4))
        assert "the Meta token was invalidated (code 190/subcode 460)" in third.last_error
        assert "renew it: set SADA_FACEBOOK_TOKEN" in third.last_error and TOKEN not in third.last_error

    expected = ["1067_1", "1067_2", "1067_5", "1067_91"]
    served_by_post = {f"1067_{k}" if k in fake.reels else k: v for k, v in fake.served.items()}
    assert_stored(pipeline, recorder, served_by_post, "fb-reels", "facebook", expected, snapshots=4 + 4)
