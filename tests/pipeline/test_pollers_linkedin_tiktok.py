"""LinkedIn (Community Management API) and TikTok (Display API) pollers against local stand-ins
(PLATFORMS.md): start/count and cursor paging, LinkedIn's 429 without headers (exponential
backoff) and TikTok's ``rate_limit_exceeded``, a restart in the middle, a metric that disappears,
a deleted post, malformed items; through the real broker and chDB."""

from __future__ import annotations

import asyncio
import json
import stat
from collections.abc import Iterator
from datetime import timedelta

import pytest
from aiohttp import web
from harness import RunningPipeline, Served, module_pipeline
from harness.pollers import (
    NOW,
    Recorder,
    app_of,
    assert_stored,
    dead_letters,
    later,
    one_pass,
    poller_settings,
    raw_count,
    stand_in,
    stored_posts,
    tracked_event,
)

from services.collector.pollers.linkedin import LinkedInPoller
from services.collector.pollers.service import Collection
from services.collector.pollers.tiktok import TikTokPoller
from shared.registry import Registry
from shared.settings import LinkedInSettings, TikTokSettings

ORG = "urn:li:organization:42"
# The newest LinkedIn version sunset as of 2026-12 (versions live about a year; 202507 is sunset).
SUNSET_UNTIL = "202511"


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
        self.versions: list[str] = []

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
        def refused(request: web.Request) -> web.Response | None:
            """LinkedIn answers 426 to a version sunset (a year after its release)."""
            assert request.headers["Authorization"] == "Bearer li-token"
            assert request.headers["X-Restli-Protocol-Version"] == "2.0.0"
            version = request.headers["LinkedIn-Version"]
            self.versions.append(version)
            if version <= SUNSET_UNTIL:
                return web.json_response(
                    {"status": 426, "message": f"Requested version {version} is not active"}, status=426
                )
            return None

        async def posts(request: web.Request) -> web.Response:
            if answer := refused(request):
                return answer
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
            if answer := refused(request):
                return answer
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
        # OAuth: the access tokens still valid, the one refresh token that works (it rotates).
        self.access = {"tt-token"}
        self.refresh = "rft-0"
        self.renewals = 0
        self.refused: list[str] = []  # what a 401 or an invalid_grant answered

    def expire(self) -> None:
        """Two hours pass: every access token issued so far stops working."""
        self.access.clear()

    def authorised(self, request: web.Request) -> web.Response | None:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token in self.access:
            return None
        self.refused.append("access_token_invalid")
        return web.json_response(
            {
                "data": {},
                "error": {
                    "code": "access_token_invalid",
                    "message": "The access token is invalid or not found in the request.",
                    "log_id": "z",
                },
            },
            status=401,
        )

    async def token(self, request: web.Request) -> web.Response:
        """POST /v2/oauth/token/: form-encoded; a refresh token works once (it rotates)."""
        assert request.content_type == "application/x-www-form-urlencoded"
        form = await request.post()
        assert form["client_key"] == "tt-client" and form["client_secret"] == "tt-secret"
        assert form["grant_type"] == "refresh_token"
        if form["refresh_token"] != self.refresh:
            self.refused.append("invalid_grant")
            return web.json_response(
                {"error": "invalid_grant", "error_description": "Refresh token is invalid.", "log_id": "r"},
                status=400,
            )
        self.renewals += 1
        access, self.refresh = f"act-{self.renewals}", f"rft-{self.renewals}"
        self.access.add(access)
        return web.json_response(
            {
                "access_token": access,
                "expires_in": 7200,
                "open_id": "open-1",
                "refresh_expires_in": 15552000,
                "refresh_token": self.refresh,
                "scope": "user.info.basic,video.list",
                "token_type": "Bearer",
            }
        )

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
            if refused := self.authorised(request):
                return refused
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
            if refused := self.authorised(request):
                return refused
            fields = request.query["fields"].split(",")
            ids = (await request.json())["filters"]["video_ids"]
            assert len(ids) <= 20
            found = [
                self.counted(v, fields) for v in self.videos if v["id"] in ids and v["id"] not in self.gone
            ]
            return web.json_response(ok({"videos": found, "cursor": 0, "has_more": False}))

        return app_of(
            {"/v2/video/list/": listing, "/v2/video/query/": query, "/v2/oauth/token/": self.token},
            method="POST",
        )


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


def test_tiktok_token_expires_mid_event_is_renewed_and_the_rotated_refresh_token_kept(pipeline, tmp_path):
    event = tracked_event("tt-auth")
    fake = TikTokFake()
    with Served(fake.app()) as served:
        options = TikTokSettings(
            base_url=f"{served.url}/v2",
            token="tt-token",
            client_key="tt-client",
            client_secret="tt-secret",
            refresh_token="rft-0",
            token_url=f"{served.url}/v2/oauth/token/",
        )
        recorder = Recorder(pipeline)
        settings = poller_settings(pipeline, tmp_path, tiktok=options)
        token_file = tmp_path / "tiktok-token.json"

        # Pass 1: the token from the environment works; nothing to renew, nothing written.
        one_pass(TikTokPoller, settings, event, recorder)
        assert fake.renewals == 0 and not token_file.exists()
        first_posts = len(recorder.of("post"))
        assert first_posts == 4

        # Mid-event the access token expires: the next pass is answered 401, renews with the
        # refresh token from the environment, and collects on (a new video, every figure due).
        fake.expire()
        fake.videos.insert(
            0,
            {
                **fake.videos[0],
                "id": "730000000000000007",
                "title": "#Sada2026 jour 7",
                "create_time": int(NOW.timestamp()),
            },
        )
        fake.version = 2
        snapshots = len(recorder.of("metrics"))
        second = one_pass(TikTokPoller, settings, event, recorder, clock=later(2))
        assert len(recorder.of("metrics")) >= snapshots + first_posts  # every figure due, refreshed
        assert fake.refused == ["access_token_invalid"] and fake.renewals == 1
        assert second.errors == 0, second.last_error
        assert len(recorder.of("post")) == first_posts + 1
        stored = json.loads(token_file.read_text("utf-8"))
        assert stored["refresh_token"] == "rft-1" and stored["access_token"] == "act-1"
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600

        # Two hours later, after a restart: the token is renewed *before* it expires, with the
        # refresh token of the file (the environment's rft-0 no longer works: it rotated).
        fake.version = 3
        snapshots = len(recorder.of("metrics"))
        third = one_pass(TikTokPoller, settings, event, recorder, clock=later(2 + 120))
        assert third.errors == 0, third.last_error
        assert len(recorder.of("metrics")) == snapshots + first_posts + 1
        assert fake.refused == ["access_token_invalid"] and fake.renewals == 2
        assert json.loads(token_file.read_text("utf-8"))["refresh_token"] == "rft-2"
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600

        # The refresh token revoked (the user disconnected the app): the connector stops and
        # says which variables renew it, without a secret in its status.
        fake.expire()
        fake.refresh = "revoked"
        fourth = one_pass(TikTokPoller, settings, event, recorder, clock=later(2 + 240))
        assert "invalid_grant" in fake.refused
        assert "refresh token was refused (invalid_grant)" in fourth.last_error
        assert "SADA_TIKTOK_REFRESH_TOKEN" in fourth.last_error
        shown = json.dumps(fourth.status()) + repr(fourth.renewal)
        assert not any(secret in shown for secret in ("rft-", "act-", "tt-token", "tt-secret"))

    pipeline.drain()
    assert len(stored_posts(pipeline, "tt-auth")) == first_posts + 1
    assert raw_count(pipeline, "metrics", "tt-auth") == len(recorder.of("metrics"))


def test_linkedin_sunset_version_stops_linkedin_alone(pipeline, tmp_path):
    """A 426 stops LinkedIn and names SADA_LINKEDIN_VERSION; TikTok, in the same collection,
    goes on discovering and refreshing; with a current version LinkedIn collects again."""
    event = tracked_event("li-sunset", "linkedin", ORG)
    linkedin, tiktok = LinkedInFake(), TikTokFake()
    linkedin.limited_once = True  # no 429 here
    registry = Registry(events={event.slug: event})
    recorder = Recorder(pipeline)

    def run(settings, minutes: int) -> dict[str, dict]:
        async def go() -> dict[str, dict]:
            collection = Collection(
                settings, registry, ["linkedin", "tiktok"], recorder, [event.slug], clock=later(minutes)
            )
            async with collection:
                return {status["connector"]: status for status in await collection.run_once()}

        return asyncio.run(go())

    with Served(linkedin.app()) as li_served, Served(tiktok.app()) as tt_served:

        def settings(v: str):
            return poller_settings(
                pipeline,
                tmp_path,
                linkedin=LinkedInSettings(base_url=f"{li_served.url}/rest", token="li-token", version=v),
                tiktok=TikTokSettings(base_url=f"{tt_served.url}/v2", token="tt-token"),
            )

        sunset = settings("202507")
        first = run(sunset, 0)
        assert "LinkedIn version 202507 is sunset (HTTP 426)" in first["linkedin"]["last_error"]
        assert "set SADA_LINKEDIN_VERSION to a current YYYYMM" in first["linkedin"]["last_error"]
        assert set(linkedin.versions) == {"202507"} and linkedin.served == {}
        # /v1/pollers says it: blocked, why, and what to do; TikTok's state is its own
        assert first["linkedin"]["state"] == "blocked"
        assert first["linkedin"]["why"] == "LinkedIn version 202507 is sunset (HTTP 426)"
        assert "SADA_LINKEDIN_VERSION" in first["linkedin"]["remedy"]
        assert first["tiktok"]["state"] == "idle" and first["tiktok"]["last_success"] is not None
        assert first["tiktok"]["errors"] == 0 and len(recorder.of("post")) == 4

        snapshots = len(recorder.of("metrics"))
        tiktok.version = 2
        second = run(sunset, 2)
        assert "HTTP 426" in second["linkedin"]["last_error"]
        assert len(recorder.of("metrics")) == snapshots + 4  # TikTok's refresh went on

        assert LinkedInSettings().version > SUNSET_UNTIL  # the default is a current version
        third = run(settings(LinkedInSettings().version), 4)
        assert third["linkedin"]["errors"] == 0, third["linkedin"]["last_error"]

    pipeline.drain()
    posts = stored_posts(pipeline, "li-sunset")
    assert len([p for p in posts if p.startswith("urn:li:")]) == 4 and len(posts) == 8
    assert raw_count(pipeline, "metrics", "li-sunset") == len(recorder.of("metrics"))
