"""LinkedIn (Community Management API) and TikTok (Display API) pollers against local stand-ins
(PLATFORMS.md): start/count and cursor paging, LinkedIn's 429 without headers (exponential
backoff) and TikTok's ``rate_limit_exceeded``, a restart in the middle, a metric that disappears,
a deleted post, malformed items; through the real broker and chDB."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from aiohttp import web
from harness import RunningPipeline, module_pipeline
from harness.pollers import NOW, app_of, assert_stored, dead_letters, later, one_pass, stand_in, tracked_event

from services.collector.pollers.linkedin import LinkedInPoller
from services.collector.pollers.tiktok import TikTokPoller

ORG = "urn:li:organization:42"


@pytest.fixture(scope="module")
def pipeline(broker, chdb_dir) -> Iterator[RunningPipeline]:
    with module_pipeline(broker, chdb_dir, "pollli") as running:
        yield running


def millis(minutes_ago: int) -> int:
    return int((NOW - timedelta(minutes=minutes_ago)).timestamp() * 1000)


# --- LinkedIn ----------------------------------------------------------------------------------


class LinkedInFake:
    PAGE = 2

    def __init__(self):
        self.posts = [  # newest first
            {
                "id": "urn:li:ugcPost:6",
                "publishedAt": millis(5),
                "commentary": "Live depuis #Sada2026",
                "content": {"media": {"id": "urn:li:video:C5"}},
            },
            {
                "id": "urn:li:share:5",
                "publishedAt": millis(10),
                "commentary": "La nation digitale au #Sada2026",
                "content": {"article": {"source": "https://sada.ma/blog"}},
            },
            {"id": "urn:li:share:4", "publishedAt": millis(15), "commentary": "Nous recrutons !"},
            {"id": "urn:li:share:3", "commentary": "#Sada2026 sans date"},  # malformed
            {
                "id": "urn:li:share:2",
                "publishedAt": millis(25),
                "commentary": "Rendez-vous au #SADA2026",
                "content": {"multiImage": {"images": []}},
            },
            {"id": "urn:li:share:1", "createdAt": millis(30), "commentary": "J-1 avant #Sada2026"},
        ]
        for post in self.posts:
            post.update(author=ORG, lifecycleState="PUBLISHED", visibility="PUBLIC")
        self.limited_once = False
        self.failures: dict[int, int] = {}
        self.version = 1
        self.no_shares: set[str] = set()
        self.served: dict[str, dict[str, int]] = {}

    def statistics(self, urn: str) -> dict:
        n, v = int(urn.rsplit(":", 1)[1]), self.version
        totals = {
            "uniqueImpressionsCount": 300 * n + v,
            "shareCount": n + v,
            "engagement": 0.05,
            "clickCount": 4 * n + v,
            "likeCount": 10 * n + v,
            "impressionCount": 1000 * n + v,
            "commentCount": 2 * n + v,
        }
        if urn in self.no_shares:
            del totals["shareCount"]
        names = {
            "uniqueImpressionsCount": "reach",
            "shareCount": "shares",
            "clickCount": "clicks",
            "likeCount": "likes",
            "impressionCount": "impressions",
            "commentCount": "comments",
        }
        self.served.setdefault(urn, {}).update({names[k]: value for k, value in totals.items() if k in names})
        return totals

    def app(self) -> web.Application:
        def check(request: web.Request) -> None:
            assert request.headers["Authorization"] == "Bearer li-token"
            assert request.headers["LinkedIn-Version"] == "202507"
            assert request.headers["X-Restli-Protocol-Version"] == "2.0.0"

        async def posts(request: web.Request) -> web.Response:
            check(request)
            assert request.query["q"] == "author" and request.query["author"] == ORG
            start = int(request.query["start"])
            if self.failures.get(start, 0) > 0:
                self.failures[start] -= 1
                return web.json_response({"message": "Internal Server Error", "status": 500}, status=500)
            chunk = self.posts[start : start + self.PAGE]
            return web.json_response(
                {"elements": chunk, "paging": {"start": start, "count": self.PAGE, "total": len(self.posts)}}
            )

        async def statistics(request: web.Request) -> web.Response:
            check(request)
            if not self.limited_once:  # LinkedIn's 429: no headers, no Retry-After
                self.limited_once = True
                return web.Response(status=429)
            assert request.query["organizationalEntity"] == ORG
            urns = []
            for key, kind in (("shares", "share"), ("ugcPosts", "ugcPost")):
                listed = request.query.get(key, "")
                assert not listed or (listed.startswith("List(") and listed.endswith(")"))
                urns += [(kind, urn) for urn in listed[5:-1].split(",") if urn]
            return web.json_response(
                {
                    "elements": [
                        {kind: urn, "organizationalEntity": ORG, "totalShareStatistics": self.statistics(urn)}
                        for kind, urn in urns
                    ]
                }
            )

        return app_of({"/rest/posts": posts, "/rest/organizationalEntityShareStatistics": statistics})


def test_linkedin_posts_backoff_restart_and_statistics(pipeline, tmp_path):
    event = tracked_event("li-poll", "linkedin", ORG)
    fake = LinkedInFake()
    served, recorder, settings = stand_in(pipeline, tmp_path, fake.app(), "linkedin", "/rest", "li-token")
    with served:
        fake.failures[4] = 2  # page 3 fails twice: the pass stops there
        first = one_pass(LinkedInPoller, settings, event, recorder).status()
        assert (
            first["rate_limit"]["rate_limited"] == 1 and "no reset time" in first["rate_limit"]["last_signal"]
        )
        assert first["rate_limit"]["consecutive"] == 0  # the backoff starts over after a success
        assert sorted(r.post_id for r in recorder.of("post")) == ["urn:li:share:5", "urn:li:ugcPost:6"]
        assert [r.field for r in recorder.rejected] == ["elements.3.publishedAt"]

        before = len(served.paths("/rest/posts"))
        one_pass(LinkedInPoller, settings, event, recorder)  # a restart: resumes at start=4
        assert [q["start"] for q in served.paths("/rest/posts")[before:]] == ["4"]

        fake.version = 2
        fake.no_shares.add("urn:li:share:5")  # shareCount disappears: the earlier value stands
        third = one_pass(LinkedInPoller, settings, event, recorder, clock=later(2))
        assert [q["start"] for q in served.paths("/rest/posts")[before + 1 :]] == [
            "0"
        ]  # stops at the newest seen
        [refresh] = served.paths("/rest/organizationalEntityShareStatistics")[-1:]
        assert (
            refresh["shares"].count("urn:li:share") == 3 and refresh["ugcPosts"] == "List(urn:li:ugcPost:6)"
        )
        assert third.state == "idle"

    expected = ["urn:li:share:1", "urn:li:share:2", "urn:li:share:5", "urn:li:ugcPost:6"]
    assert_stored(pipeline, recorder, fake.served, "li-poll", "linkedin", expected, snapshots=2 + 2 + 4)
    media = pipeline.store.query(
        "SELECT post_id, media FROM posts FINAL WHERE event = 'li-poll' ORDER BY post_id"
    )
    assert [m["media"] for m in media] == ["text", "carousel", "link", "video"]
    assert len(dead_letters(pipeline, "li-poll")) == 1


# --- TikTok ------------------------------------------------------------------------------------


def ok(data: dict) -> dict:
    return {"data": data, "error": {"code": "ok", "message": "", "log_id": "202605011200000000"}}


class TikTokFake:
    PAGE = 2

    def __init__(self):
        self.videos = [  # newest first
            {
                "id": f"73000000000000000{n}",
                "create_time": int((NOW - timedelta(minutes=5 * (7 - n))).timestamp()),
                "title": f"#Sada2026 jour {n}",
                "share_url": f"https://www.tiktok.com/@sada/video/{n}",
            }
            for n in range(6, 0, -1)
        ]
        self.videos[2]["create_time"] = "soon"  # malformed (video 4)
        self.videos[3]["title"] = "Danse du vendredi"  # not about the event (video 3)
        self.limited_once: set[int] = set()
        self.failures: dict[int, int] = {}
        self.version = 1
        self.no_shares: set[str] = set()
        self.gone: set[str] = set()
        self.served: dict[str, dict[str, int]] = {}

    def counted(self, video: dict, fields: list[str]) -> dict:
        n, v = int(video["id"][-1]), self.version
        counts = {
            "view_count": 1000 * n + v,
            "like_count": 10 * n + v,
            "comment_count": n + v,
            "share_count": n * v,
        }
        if video["id"] in self.no_shares:
            del counts["share_count"]
        names = {f"{word}_count": f"{word}s" for word in ("view", "like", "comment", "share")}
        self.served.setdefault(video["id"], {}).update({names[k]: value for k, value in counts.items()})
        return {k: value for k, value in {**video, **counts}.items() if k in fields}

    def app(self) -> web.Application:
        async def listing(request: web.Request) -> web.Response:
            assert request.headers["Authorization"] == "Bearer tt-token"
            fields = request.query["fields"].split(",")
            body = await request.json()
            assert body["max_count"] <= 20
            cursor = body.get("cursor", 0)
            if cursor in self.limited_once:
                self.limited_once.discard(cursor)
                return web.json_response(
                    {
                        "data": {},
                        "error": {"code": "rate_limit_exceeded", "message": "slow down", "log_id": "x"},
                    },
                    status=429,
                )
            if self.failures.get(cursor, 0) > 0:
                self.failures[cursor] -= 1
                return web.json_response(
                    {"data": {}, "error": {"code": "internal_error", "message": "", "log_id": "y"}},
                    status=500,
                )
            chunk = self.videos[cursor : cursor + self.PAGE]
            more = cursor + self.PAGE < len(self.videos)
            return web.json_response(
                ok(
                    {
                        "videos": [self.counted(v, fields) for v in chunk],
                        "cursor": cursor + self.PAGE,
                        "has_more": more,
                    }
                )
            )

        async def query(request: web.Request) -> web.Response:
            assert request.headers["Authorization"] == "Bearer tt-token"
            fields = request.query["fields"].split(",")
            ids = (await request.json())["filters"]["video_ids"]
            assert len(ids) <= 20
            found = [
                self.counted(v, fields) for v in self.videos if v["id"] in ids and v["id"] not in self.gone
            ]
            return web.json_response(ok({"videos": found, "cursor": 0, "has_more": False}))

        return app_of({"/v2/video/list/": listing, "/v2/video/query/": query}, method="POST")


def test_tiktok_videos_rate_limit_restart_and_query(pipeline, tmp_path):
    event = tracked_event("tt-poll")
    fake = TikTokFake()
    served, recorder, settings = stand_in(pipeline, tmp_path, fake.app(), "tiktok", "/v2", "tt-token")
    ids = {n: f"73000000000000000{n}" for n in range(1, 7)}
    with served:
        fake.limited_once.add(2)
        fake.failures[4] = 2
        first = one_pass(TikTokPoller, settings, event, recorder).status()
        assert (
            first["rate_limit"]["rate_limited"] == 1
            and "rate_limit_exceeded" in first["rate_limit"]["last_signal"]
        )
        assert first["errors"] == 1 and "HTTP 500" in first["last_error"]
        assert sorted(r.post_id for r in recorder.of("post")) == [ids[5], ids[6]]
        assert [r.field for r in recorder.rejected] == ["data.videos.0.create_time"]

        before = len(served.paths("/v2/video/list/"))
        one_pass(TikTokPoller, settings, event, recorder)  # a restart: resumes at the cursor of page 3
        assert [b for _, p, _, b in served.requests if p == "/v2/video/list/"][
            before
        ] == b'{"max_count": 20, "cursor": 4}'

        fake.version = 2
        fake.no_shares.add(ids[5])
        fake.gone.add(ids[1])
        third = one_pass(TikTokPoller, settings, event, recorder, clock=later(2))
        assert third.checkpoint.posts[ids[1]]["gone"] is True

    expected = sorted([ids[1], ids[2], ids[5], ids[6]])
    assert_stored(pipeline, recorder, fake.served, "tt-poll", "tiktok", expected, snapshots=2 + 2 + 3)
    assert len(dead_letters(pipeline, "tt-poll")) == 1
