"""Platform webhooks end to end: each signature scheme and handshake, computed here from the
platform's documented formula (not with sada's code), deliveries reaching the store through the
real broker and chDB, and every refusal (401 missing, 403 wrong or stale, 503 unset)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections import Counter
from typing import Any

import aiohttp
import pytest
from harness import run
from pydantic import SecretStr

from services.collector.app import create_app
from services.collector.publisher import Publisher
from shared.http import start_site
from shared.settings import MetaSettings, Settings

EVENT = "hooks-2026"
SECRETS = {
    "meta_app_secret": "meta-app-secret-1",
    "meta_verify_token": "meta-verify-2",
    "x_consumer_secret": "x-consumer-secret-3",
    "linkedin_client_secret": "li-client-secret-4",
    "tiktok_client_secret": "tt-client-secret-5",
}
T0 = 1_761_472_800  # 2025-10-26T10:00:00Z


def with_secrets(settings: Settings, secrets: dict[str, str]) -> Settings:
    """``settings`` with these webhook secrets (named like their variables, without SADA_)."""

    def secret(name: str) -> SecretStr | None:
        return SecretStr(secrets[name]) if name in secrets else None

    def group(name: str, field: str, key: str) -> Any:
        return getattr(settings, name).model_copy(update={field: secret(key)})

    return settings.model_copy(
        update={
            "meta": MetaSettings(
                app_secret=secret("meta_app_secret"), verify_token=secret("meta_verify_token")
            ),
            "x": group("x", "consumer_secret", "x_consumer_secret"),
            "linkedin": group("linkedin", "client_secret", "linkedin_client_secret"),
            "tiktok": group("tiktok", "client_secret", "tiktok_client_secret"),
        }
    )


@pytest.fixture
def settings(settings):
    """The shared test settings plus a secret for every platform."""
    return with_secrets(settings, SECRETS)


def mac(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


async def _request(
    url: str, method: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, url, data=body, headers=headers) as response,
    ):
        return response.status, await response.text()


def call(
    pipeline, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, str]:
    status, text = run(_request(f"{pipeline.collector}{path}", method, body, headers))
    assert not any(secret in text for secret in SECRETS.values())
    return status, text


def deliver(pipeline, platform: str, payload: object, headers: dict[str, str]) -> tuple[int, dict]:
    status, text = call(
        pipeline,
        "POST",
        f"/v1/webhooks/{platform}/{EVENT}",
        json.dumps(payload).encode(),
        {"Content-Type": "application/json", **headers},
    )
    return status, json.loads(text)


def stored(pipeline, platform: str, route: str | None = None) -> dict:
    """What the store holds for a platform: post ids, interaction kinds, metrics rows, and the dead
    letters of its webhook ``route`` (the URL's platform: ``meta`` serves Facebook and Instagram)."""
    params = {"e": EVENT, "p": platform}
    posts = pipeline.store.query(
        "SELECT post_id FROM posts FINAL WHERE event = {e:String} AND platform = {p:String} ORDER BY post_id",
        params,
    )
    kinds = pipeline.store.query(
        "SELECT kind, count() AS n FROM interactions FINAL WHERE event = {e:String} "
        "AND platform = {p:String} GROUP BY kind",
        params,
    )
    metrics = pipeline.store.query(
        "SELECT post_id, impressions, reach FROM metrics FINAL "
        "WHERE event = {e:String} AND platform = {p:String}",
        params,
    )
    rejected = pipeline.store.query(
        "SELECT field, reason FROM rejected FINAL WHERE source = {s:String} ORDER BY line",
        {"s": f"webhook:{route or platform}"},
    )
    return {
        "posts": [r["post_id"] for r in posts],
        "kinds": {r["kind"]: r["n"] for r in kinds},
        "metrics": metrics,
        "rejected": rejected,
    }


def refusals(pipeline, platform: str, header: str, payload: object) -> None:
    """No header → 401; a signature of other bytes → 403."""
    status, answer = deliver(pipeline, platform, payload, {})
    assert status == 401 and header in answer["error"]
    other = json.dumps({"forged": True}).encode()
    forged = {
        "meta": "sha256=" + mac(SECRETS["meta_app_secret"], other).hex(),
        "x": "sha256=" + base64.b64encode(mac(SECRETS["x_consumer_secret"], other)).decode(),
        "linkedin": mac(SECRETS["linkedin_client_secret"], b"hmacsha256=" + other).hex(),
        "tiktok": f"t={int(time.time())},s="
        + mac(SECRETS["tiktok_client_secret"], f"{int(time.time())}.".encode() + other).hex(),
    }
    status, answer = deliver(pipeline, platform, payload, {header: forged[platform]})
    assert status == 403 and "does not match" in answer["error"]


def ig_comment(comment_id: str, text: str, user_id: str, username: str) -> dict:
    """An Instagram comments change on the feed post 17900000000000001."""
    media = {"id": "17900000000000001", "media_product_type": "FEED"}
    value = {"id": comment_id, "text": text, "from": {"id": user_id, "username": username}, "media": media}
    return {"field": "comments", "value": value}


def test_meta_page_and_instagram_deliveries(pipeline, caplog):
    # Handshake: echo the challenge when the verify token matches.
    query = f"hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token={SECRETS['meta_verify_token']}"
    assert call(pipeline, "GET", f"/v1/webhooks/meta/{EVENT}?{query}") == (200, "1158201444")
    wrong = "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=guess"
    assert call(pipeline, "GET", f"/v1/webhooks/meta/{EVENT}?{wrong}")[0] == 403

    posts = [("1067_201", "status"), ("1067_202", "photo")]
    comments = [("1067_201", "c1", "Bravo"), ("1067_201", "c2", "مبروك"), ("1067_202", "c3", "Top")]
    reactions = [
        ("1067_201", "u1", "like"),
        ("1067_201", "u2", "love"),
        ("1067_201", "u1", "wow"),
        ("1067_202", "u3", "like"),
    ]

    def change(value: dict) -> dict:
        return {"field": "feed", "value": {"created_time": T0, "from": {"id": "u0", "name": "Page"}, **value}}

    changes = [
        change({"item": item, "verb": "add", "post_id": pid, "message": f"post {pid}"}) for pid, item in posts
    ]
    changes += [
        change(
            {
                "item": "comment",
                "verb": "add",
                "post_id": pid,
                "comment_id": cid,
                "message": text,
                "from": {"id": f"fan-{cid}", "name": "Fan"},
            }
        )
        for pid, cid, text in comments
    ]
    changes += [
        change(
            {
                "item": "reaction",
                "verb": "edit" if n == 2 else "add",
                "post_id": pid,
                "reaction_type": kind,
                "from": {"id": user, "name": user},
            }
        )
        for n, (pid, user, kind) in enumerate(reactions)
    ]
    changes.append(
        change(
            {"item": "reaction", "verb": "remove", "post_id": "1067_202", "from": {"id": "u9", "name": "u9"}}
        )
    )
    page = {"object": "page", "entry": [{"id": "1067", "time": T0, "changes": changes}]}
    body = json.dumps(page).encode()
    signature = "sha256=" + mac(SECRETS["meta_app_secret"], body).hex()
    status, text = call(
        pipeline,
        "POST",
        f"/v1/webhooks/meta/{EVENT}",
        body,
        {"X-Hub-Signature-256": signature, "Content-Type": "application/json"},
    )
    answer = json.loads(text)
    assert status == 200
    assert answer["accepted"] == len(changes) - 1
    assert [(r["item"], "remove" in r["reason"]) for r in answer["rejected"]] == [(len(changes), True)]

    instagram = {
        "object": "instagram",
        "entry": [
            {
                "id": "ig1",
                "time": T0 + 60,
                "changes": [
                    ig_comment("igc1", "nice", "f", "fan"),
                    ig_comment("igc2", "wow", "g", "fan2"),
                    {
                        "field": "story_insights",
                        "value": {
                            "media_id": "17900000000000002",
                            "impressions": 444,
                            "reach": 44,
                            "taps_forward": 4,
                            "exits": 3,
                            "replies": 0,
                        },
                    },
                ],
            }
        ],
    }
    body = json.dumps(instagram).encode()
    status, answer = deliver(
        pipeline,
        "meta",
        instagram,
        {"X-Hub-Signature-256": "sha256=" + mac(SECRETS["meta_app_secret"], body).hex()},
    )
    assert status == 200 and answer == {"accepted": 3, "rejected": []}

    with caplog.at_level("DEBUG"):
        refusals(pipeline, "meta", "X-Hub-Signature-256", page)
    assert not any(secret in caplog.text for secret in SECRETS.values())

    pipeline.drain()
    facebook = stored(pipeline, "facebook", "meta")
    assert facebook["posts"] == sorted(pid for pid, _ in posts)
    assert facebook["kinds"] == {
        "comment": len(comments),
        "like": len({(pid, user) for pid, user, _ in reactions}),
    }
    assert len(facebook["rejected"]) == 1 and "remove" in facebook["rejected"][0]["reason"]
    ig = stored(pipeline, "instagram")
    assert ig["kinds"] == {"comment": 2}
    assert ig["metrics"] == [{"post_id": "17900000000000002", "impressions": 444, "reach": 44}]


def test_x_account_activity_deliveries(pipeline):
    token = "crc-challenge-token"
    status, text = call(pipeline, "GET", f"/v1/webhooks/x/{EVENT}?crc_token={token}")
    expected = "sha256=" + base64.b64encode(mac(SECRETS["x_consumer_secret"], token.encode())).decode()
    assert status == 200 and json.loads(text) == {"response_token": expected}

    user = {"id_str": "42", "screen_name": "ausim", "followers_count": 1200}
    created = "Sun Oct 26 10:00:00 +0000 2025"
    original = {
        "id_str": "900",
        "created_at": created,
        "text": "Opening #AUSIM",
        "user": user,
        "lang": "en",
        "entities": {"hashtags": [{"text": "AUSIM"}]},
    }
    tweets = [
        original,
        {
            "id_str": "901",
            "created_at": created,
            "text": "@ausim well done",
            "user": {"screen_name": "a"},
            "in_reply_to_status_id_str": "900",
        },
        {
            "id_str": "902",
            "created_at": created,
            "text": "RT",
            "user": {"screen_name": "b"},
            "retweeted_status": original,
        },
        {
            "id_str": "903",
            "created_at": created,
            "text": "Look",
            "user": {"screen_name": "c"},
            "is_quote_status": True,
            "quoted_status": original,
        },
    ]
    favorites = [
        {
            "id": f"fav-{n}",
            "timestamp_ms": str((T0 + n) * 1000),
            "favorited_status": original,
            "user": {"screen_name": f"fan{n}"},
        }
        for n in range(3)
    ]
    payload = {
        "for_user_id": "42",
        "tweet_create_events": tweets,
        "favorite_events": favorites,
        "follow_events": [{"type": "follow", "source": {"id": "7"}, "target": {"id": "42"}}],
    }
    body = json.dumps(payload).encode()
    signature = "sha256=" + base64.b64encode(mac(SECRETS["x_consumer_secret"], body)).decode()
    status, answer = deliver(pipeline, "x", payload, {"x-twitter-webhooks-signature": signature})
    assert status == 200
    assert answer["accepted"] == len(tweets) + len(favorites)
    assert [r["field"] for r in answer["rejected"]] == ["follow_events.0"]

    refusals(pipeline, "x", "x-twitter-webhooks-signature", payload)

    pipeline.drain()
    x = stored(pipeline, "x")
    assert x["posts"] == ["900"]
    assert x["kinds"] == {"comment": 1, "share": 2, "like": len(favorites)}
    assert len(x["rejected"]) == 1
    row = pipeline.store.query(
        "SELECT followers, url FROM posts FINAL WHERE event = {e:String} AND post_id = '900'", {"e": EVENT}
    )[0]
    assert row["followers"] == 1200 and row["url"] == "https://x.com/ausim/status/900"


def test_linkedin_social_action_notifications(pipeline):
    code = "b3f7c9a2-1d4e-4f5a-9b8c-7d6e5f4a3b2c"
    status, text = call(pipeline, "GET", f"/v1/webhooks/linkedin/{EVENT}?challengeCode={code}")
    assert status == 200
    assert json.loads(text) == {
        "challengeCode": code,
        "challengeResponse": mac(SECRETS["linkedin_client_secret"], code.encode()).hex(),
    }

    post = "urn:li:share:7001"

    def notification(n: int, action: str, activity: str | None = None, text: str | None = None) -> dict:
        item = {
            "notificationId": 5000 + n,
            "action": action,
            "sourcePost": post,
            "organizationalEntity": "urn:li:organization:89813367",
            "lastModifiedAt": (T0 + n) * 1000,
        }
        if activity:
            item["generatedActivity"] = activity
        if text:
            item["decoratedGeneratedActivity"] = {
                "comment": {"entity": activity, "text": text, "owner": "urn:li:person:p1"}
            }
        return item

    comment = "urn:li:comment:(urn:li:activity:7001,9001)"
    notifications = [
        notification(0, "LIKE"),
        notification(1, "LIKE"),
        notification(2, "COMMENT", comment, "Great panel"),
        notification(3, "COMMENT_EDIT", comment, "Great panel!"),
        notification(4, "SHARE", "urn:li:share:7002"),
        notification(5, "COMMENT_DELETE", comment),
    ]
    payload = {"type": "ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS", "notifications": notifications}
    body = json.dumps(payload).encode()
    signature = mac(SECRETS["linkedin_client_secret"], b"hmacsha256=" + body).hex()
    status, answer = deliver(pipeline, "linkedin", payload, {"X-LI-Signature": signature})
    assert status == 200
    assert answer["accepted"] == len(notifications) - 1
    assert [r["field"] for r in answer["rejected"]] == ["notifications.5.action"]

    refusals(pipeline, "linkedin", "X-LI-Signature", payload)

    pipeline.drain()
    linkedin = stored(pipeline, "linkedin")
    actions = Counter(n["action"] for n in notifications)
    assert linkedin["kinds"] == {"like": actions["LIKE"], "comment": 1, "share": actions["SHARE"]}
    text = pipeline.store.query(
        "SELECT text FROM interactions FINAL WHERE event = {e:String} AND interaction_id = {i:String}",
        {"e": EVENT, "i": comment},
    )
    assert text == [{"text": "Great panel!"}]
    assert len(linkedin["rejected"]) == 1


def test_tiktok_signed_deliveries_and_stale_timestamps(pipeline, settings):
    status, text = call(pipeline, "GET", f"/v1/webhooks/tiktok/{EVENT}")
    assert status == 405 and "no verification handshake" in json.loads(text)["error"]

    def signed(payload: dict, at: int) -> tuple[int, dict]:
        body = json.dumps(payload).encode()
        signature = mac(SECRETS["tiktok_client_secret"], f"{at}.".encode() + body).hex()
        return deliver(pipeline, "tiktok", payload, {"TikTok-Signature": f"t={at},s={signature}"})

    def tiktok_event(name: str, content: dict, create_time: int = T0) -> dict:
        return {
            "client_key": "ck",
            "event": name,
            "create_time": create_time,
            "user_openid": "open-1",
            "content": json.dumps(content),
        }

    published = [
        tiktok_event(
            "post.publish.publicly_available",
            {"publish_id": f"p{n}", "post_id": f"730000000000000000{n}"},
            T0 + n,
        )
        for n in range(2)
    ]
    for payload in published:
        assert signed(payload, int(time.time())) == (200, {"accepted": 1, "rejected": []})
    ping = tiktok_event("tiktok.ping", {"reason": "testing Webhook"})
    assert signed(ping, int(time.time())) == (200, {"accepted": 0, "rejected": []})
    failed = tiktok_event("video.upload.failed", {"publish_id": "p9"})
    status, answer = signed(failed, int(time.time()))
    assert status == 200 and answer["accepted"] == 0 and answer["rejected"][0]["field"] == "event"

    stale = published[0] | {"content": json.dumps({"post_id": "7300000000000000099"})}
    status, answer = signed(stale, int(time.time()) - settings.webhooks.tolerance_s - 60)
    assert status == 403 and "SADA_WEBHOOK_TOLERANCE_S" in answer["error"]
    refusals(pipeline, "tiktok", "TikTok-Signature", published[0])

    pipeline.drain()
    tiktok = stored(pipeline, "tiktok")
    assert tiktok["posts"] == sorted(json.loads(p["content"])["post_id"] for p in published)
    assert len(tiktok["rejected"]) == 1


def test_unset_secrets_unknown_platforms_and_bad_slugs(settings):
    """A collector without webhook secrets: each platform says which variable to set. No Kafka
    is reached: every one of these answers comes before anything is published."""
    bare = with_secrets(settings, {})

    async def probe() -> list[tuple[int, str]]:
        runner, url = await start_site(create_app(bare, Publisher(bare)), "127.0.0.1", 0)
        try:
            paths = [("POST", f"/v1/webhooks/{p}/{EVENT}") for p in ("meta", "x", "linkedin", "tiktok")]
            paths += [
                ("GET", f"/v1/webhooks/meta/{EVENT}?hub.mode=subscribe&hub.challenge=1&hub.verify_token=t"),
                ("GET", f"/v1/webhooks/x/{EVENT}?crc_token=t"),
                ("GET", f"/v1/webhooks/linkedin/{EVENT}?challengeCode=c"),
                ("POST", f"/v1/webhooks/myspace/{EVENT}"),
                ("POST", "/v1/webhooks/x/Not%20A%20Slug"),
            ]
            return await asyncio.gather(*(_request(url + path, method, b"{}") for method, path in paths))
        finally:
            await runner.cleanup()

    answers = [(status, json.loads(text)["error"]) for status, text in run(probe())]
    expected = [
        "SADA_META_APP_SECRET",
        "SADA_X_CONSUMER_SECRET",
        "SADA_LINKEDIN_CLIENT_SECRET",
        "SADA_TIKTOK_CLIENT_SECRET",
        "SADA_META_VERIFY_TOKEN",
        "SADA_X_CONSUMER_SECRET",
        "SADA_LINKEDIN_CLIENT_SECRET",
    ]
    for (status, message), variable in zip(answers, expected, strict=False):
        assert status == 503 and variable in message
    assert answers[-2][0] == 404 and "meta, x, linkedin, tiktok" in answers[-2][1]
    assert answers[-1][0] == 400 and "slug" in answers[-1][1]
