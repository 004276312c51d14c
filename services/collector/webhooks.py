"""Platform webhooks: ``GET`` (verification handshake) and ``POST`` (deliveries) on
``/v1/webhooks/{platform}/{event}``, for ``meta``, ``x``, ``linkedin`` and ``tiktok``.

The platforms do not know sada's event slugs, so the URL carries it: one
webhook URL per tracked event, registered in the platform's dashboard.

Every delivery is verified before anything is read, with the platform's own
scheme over the raw body, compared in constant time (PLATFORMS.md):

| platform | header | value |
|---|---|---|
| meta | ``X-Hub-Signature-256`` | ``sha256=`` + hex HMAC-SHA256(app secret, body) |
| x | ``x-twitter-webhooks-signature`` | ``sha256=`` + base64 HMAC-SHA256(consumer secret, body) |
| linkedin | ``X-LI-Signature`` | hex HMAC-SHA256(client secret, ``hmacsha256=`` + body) |
| tiktok | ``TikTok-Signature`` | ``t=<unix>,s=`` + hex HMAC-SHA256(client secret, ``<t>.`` + body), ``t`` within ``SADA_WEBHOOK_TOLERANCE_S`` of now |

Answers: 404 unknown platform, 400 bad event slug, 503 when the platform's
secret is not set (naming the variable), 401 without the signature header,
413 above ``SADA_MAX_BODY_BYTES``, 403 for a wrong signature or a stale
timestamp, 503 + ``Retry-After`` while Kafka does not acknowledge, else 200.
A verified delivery is always answered 200 once Kafka has its records: an
item sada cannot map goes to the dead-letter topic with its reason (and is
counted), because a platform answered with an error only retries the same
bytes, then disables the webhook.

Mapping to format v1 (one record per delivered item):

- **Meta, Facebook Page** (``object: page``, field ``feed``): items ``status``,
  ``post``, ``photo``, ``video``, ``share``, ``link`` → ``post``; ``comment`` →
  ``interaction`` comment (id = ``comment_id``); ``reaction`` and ``like`` →
  ``interaction`` like (every reaction counts as a like, as in the export;
  id = ``<post_id>:reaction:<from.id>``, so changing a reaction stays one).
  Verbs other than add/edit (remove, hide) cannot be said in format v1.
- **Meta, Instagram** (``object: instagram``): ``comments``/``live_comments``
  → ``interaction`` comment on ``media.id``; ``story_insights`` → ``metrics``
  (impressions, reach) observed at the entry's time.
- **X** (Account Activity): ``tweet_create_events`` → a ``post`` for an
  original post, an ``interaction`` share for a repost or quote, comment for a
  reply (on the post it answers); ``favorite_events`` → ``interaction`` like.
- **LinkedIn** (``ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS``): LIKE → like,
  COMMENT/ADMIN_COMMENT/COMMENT_EDIT → comment, SHARE → share, on
  ``sourcePost``; id = ``generatedActivity`` (so an edited comment replaces
  itself), else ``notification:<notificationId>``.
- **TikTok**: ``post.publish.publicly_available`` → ``post`` (``content.post_id``);
  ``tiktok.ping`` (the dashboard's test) is acknowledged and ignored.

Everything else is dead-lettered with the reason. Secrets are never logged or
echoed: answers name the setting, never its value.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter

from services.collector.answers import publish_acked
from services.collector.intake import Intake, Line, now_ns
from services.collector.publisher import Publisher
from shared.events import EVENT_SLUG, Rejection, validate_object
from shared.http import error
from shared.settings import Settings

log = logging.getLogger("sada.collector.webhooks")

PATH = "/v1/webhooks/{platform}/{event}"
# What a handshake may echo back: Meta's challenge is a number; refuse markup.
CHALLENGE = re.compile(r"[A-Za-z0-9._~-]{1,256}")


# --- signature schemes -------------------------------------------------------------------------


def _mac(secret: bytes, message: bytes) -> bytes:
    return hmac.new(secret, message, hashlib.sha256).digest()


def meta_signature(secret: bytes, body: bytes) -> str:
    return "sha256=" + _mac(secret, body).hex()


def x_signature(secret: bytes, message: bytes) -> str:
    """Signs deliveries and answers the CRC challenge alike."""
    return "sha256=" + base64.b64encode(_mac(secret, message)).decode()


def linkedin_signature(secret: bytes, message: bytes, prefix: bytes = b"hmacsha256=") -> str:
    """Deliveries sign ``hmacsha256=`` + body; the challenge signs the code alone (``prefix=b""``)."""
    return _mac(secret, prefix + message).hex()


def tiktok_signature(secret: bytes, timestamp: str, body: bytes) -> str:
    return _mac(secret, timestamp.encode() + b"." + body).hex()


@dataclass(frozen=True)
class Refusal:
    status: int
    message: str


def _same(presented: str, expected: str) -> bool:
    return hmac.compare_digest(presented.encode("utf-8", "replace"), expected.encode())


def _mismatch(name: str) -> Refusal:
    return Refusal(403, f"the {name} signature does not match the body (is the secret the app's?)")


def verify_meta(secret: bytes, value: str, body: bytes, _now: float, _tolerance: int) -> Refusal | None:
    return None if _same(value.strip().lower(), meta_signature(secret, body)) else _mismatch("Meta")


def verify_x(secret: bytes, value: str, body: bytes, _now: float, _tolerance: int) -> Refusal | None:
    return None if _same(value.strip(), x_signature(secret, body)) else _mismatch("X")


def verify_linkedin(secret: bytes, value: str, body: bytes, _now: float, _tolerance: int) -> Refusal | None:
    return None if _same(value.strip().lower(), linkedin_signature(secret, body)) else _mismatch("LinkedIn")


def verify_tiktok(secret: bytes, value: str, body: bytes, now: float, tolerance: int) -> Refusal | None:
    """The signature first, then its age: a replayed delivery is refused even when genuine."""
    parts = dict(part.strip().partition("=")[::2] for part in value.split(","))
    timestamp, signature = parts.get("t", ""), parts.get("s", "")
    if not timestamp.isdigit() or not signature:
        return Refusal(403, "TikTok-Signature must look like t=<unix time>,s=<hex signature>")
    if not _same(signature.lower(), tiktok_signature(secret, timestamp, body)):
        return _mismatch("TikTok")
    age = now - int(timestamp)
    if abs(age) > tolerance:
        return Refusal(
            403,
            f"the TikTok-Signature timestamp is {abs(age):.0f} s from now, more than "
            f"SADA_WEBHOOK_TOLERANCE_S ({tolerance} s): a replay, or a clock that is off",
        )
    return None


# --- mapping deliveries to format v1 -----------------------------------------------------------


class Unmappable(ValueError):
    """An item sada cannot turn into a record; ``field`` is its path in the item."""

    def __init__(self, field: str, reason: str):
        super().__init__(reason)
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Item:
    """One delivered item: its bytes (a dead letter's value) and its record, or why there is none."""

    path: str
    raw: bytes
    record: dict | None
    reason: str = ""


def _item(path: str, obj: object, build: Callable[[], dict]) -> Item:
    raw = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()
    try:
        return Item(path, raw, build())
    except Unmappable as exc:
        where = ".".join(part for part in (path, exc.field) if part)
        return Item(where, raw, None, exc.reason)


def as_dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list:
    return value if isinstance(value, list) else []


def _text(obj: Mapping, key: str) -> str | None:
    value = obj.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) and value else None


def need_id(obj: Mapping, key: str, path: str | None = None) -> str:
    value = _text(obj, key)
    if value is None:
        raise Unmappable(path or key, "is missing (a string or integer id is needed)")
    return value


def unix_time(value: object) -> datetime | None:
    """Unix seconds or milliseconds (platforms use both)."""
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, UTC)


def _unix(value: object, path: str) -> str:
    """A unix time as RFC 3339."""
    moment = unix_time(value)
    if moment is None:
        raise Unmappable(path, "is not a unix time")
    return moment.isoformat()


def _meta_time(value: object, path: str) -> str:
    """Graph API times are unix seconds in webhooks, ``2022-10-26T09:12:00+0000`` elsewhere."""
    if isinstance(value, str) and not value.isdigit():
        try:
            return datetime.fromisoformat(value).isoformat()
        except ValueError:
            raise Unmappable(path, f"{value!r} is not a time") from None
    return _unix(value, path)


def compact(record: dict) -> dict:
    """Optional fields the platform did not give are left out, not sent as null."""
    return {key: value for key, value in record.items() if value is not None}


FACEBOOK_POSTS = {
    "status": "text",
    "post": "text",
    "photo": "image",
    "video": "video",
    "share": "link",
    "link": "link",
}
FACEBOOK_VERBS = ("add", "edit", "edited")


def _facebook_change(event: str, entry: dict, change: dict) -> dict:
    if change.get("field") != "feed":
        raise Unmappable(
            "field", f"Page field {change.get('field')!r} has no format v1 mapping; sada maps 'feed'"
        )
    value = as_dict(change.get("value"))
    item, verb = value.get("item"), value.get("verb")
    if verb not in FACEBOOK_VERBS:
        raise Unmappable("value.verb", f"verb {verb!r}: format v1 cannot remove or hide a record")
    post_id = need_id(value, "post_id", "value.post_id")
    when = _meta_time(value.get("created_time", entry.get("time")), "value.created_time")
    author = as_dict(value.get("from"))
    base = {"event": event, "platform": "facebook", "post_id": post_id}
    if item in FACEBOOK_POSTS:
        return compact(
            {
                "type": "post",
                **base,
                "created_at": when,
                "text": value.get("message"),
                "author": author.get("name"),
                "account": _text(entry, "id"),
                "media": FACEBOOK_POSTS[item],
            }
        )
    if item == "comment":
        return compact(
            {
                "type": "interaction",
                **base,
                "kind": "comment",
                "occurred_at": when,
                "interaction_id": need_id(value, "comment_id", "value.comment_id"),
                "actor": author.get("name"),
                "text": value.get("message"),
            }
        )
    if item in ("reaction", "like"):
        if "comment_id" in value:
            raise Unmappable("value.comment_id", "a reaction to a comment, not to a post")
        actor = need_id(author, "id", "value.from.id")
        return compact(
            {
                "type": "interaction",
                **base,
                "kind": "like",
                "occurred_at": when,
                "interaction_id": f"{post_id}:reaction:{actor}",
                "actor": author.get("name"),
            }
        )
    raise Unmappable("value.item", f"feed item {item!r} has no format v1 mapping")


def _instagram_change(event: str, entry: dict, change: dict) -> dict:
    field, value = change.get("field"), as_dict(change.get("value"))
    when = _unix(entry.get("time"), "time")
    if field in ("comments", "live_comments"):
        return compact(
            {
                "type": "interaction",
                "event": event,
                "platform": "instagram",
                "kind": "comment",
                "post_id": need_id(as_dict(value.get("media")), "id", "value.media.id"),
                "interaction_id": need_id(value, "id", "value.id"),
                "occurred_at": when,
                "actor": as_dict(value.get("from")).get("username"),
                "text": value.get("text"),
            }
        )
    if field == "story_insights":
        counters = {name: value[name] for name in ("impressions", "reach") if name in value}
        return {
            "type": "metrics",
            "event": event,
            "platform": "instagram",
            "observed_at": when,
            "post_id": need_id(value, "media_id", "value.media_id"),
            **counters,
        }
    raise Unmappable(
        "field",
        f"Instagram field {field!r} has no format v1 mapping; sada maps comments, "
        "live_comments and story_insights",
    )


def map_meta(payload: dict, event: str) -> list[Item]:
    kind = payload.get("object")
    builders = {"page": _facebook_change, "instagram": _instagram_change}
    if kind not in builders:
        return [
            Item(
                "object",
                json.dumps(payload).encode(),
                None,
                f"Meta object {kind!r} has no format v1 mapping; sada maps 'page' and 'instagram'",
            )
        ]
    return [
        _item(
            f"entry.{i}.changes.{j}", change, partial(builders[kind], event, as_dict(entry), as_dict(change))
        )
        for i, entry in enumerate(as_list(payload.get("entry")))
        for j, change in enumerate(as_list(as_dict(entry).get("changes")))
    ]


X_MEDIA = {"photo": "image", "video": "video", "animated_gif": "video"}


def _x_time(obj: dict, path: str) -> str:
    if "timestamp_ms" in obj:
        return _unix(obj["timestamp_ms"], f"{path}timestamp_ms")
    try:
        return datetime.strptime(str(obj.get("created_at")), "%a %b %d %H:%M:%S %z %Y").isoformat()
    except ValueError:
        raise Unmappable(
            f"{path}created_at", "is missing or not X's 'Wed Oct 10 20:19:24 +0000 2018'"
        ) from None


def _x_id(obj: dict, path: str) -> str:
    """X objects carry their id twice; ``id_str`` is the one JSON cannot round off."""
    return _text(obj, "id_str") or need_id(obj, "id", f"{path}id_str")


def _x_post(event: str, tweet: dict, tweet_id: str, created_at: str, text: object) -> dict:
    user = as_dict(tweet.get("user"))
    screen_name = user.get("screen_name")
    extended = as_dict(tweet.get("extended_tweet"))
    entities = as_dict(extended.get("entities") or tweet.get("entities"))
    hashtags = [
        tag["text"]
        for tag in map(as_dict, as_list(entities.get("hashtags")))
        if isinstance(tag.get("text"), str)
    ]
    media = as_list(as_dict(extended.get("extended_entities") or tweet.get("extended_entities")).get("media"))
    followers = user.get("followers_count")
    return compact(
        {
            "type": "post",
            "event": event,
            "platform": "x",
            "post_id": tweet_id,
            "created_at": created_at,
            "text": text,
            "author": screen_name,
            "account": screen_name,
            "lang": tweet.get("lang"),
            "hashtags": hashtags or None,
            "url": f"https://x.com/{screen_name}/status/{tweet_id}" if screen_name else None,
            "media": X_MEDIA.get(as_dict(media[0]).get("type")) if media else "text",
            "followers": followers if isinstance(followers, int) else None,
        }
    )


def _x_tweet(event: str, tweet: dict) -> dict:
    """An original post is a post; a repost or quote is a share and a reply a comment, on
    the post they point at."""
    tweet_id = _x_id(tweet, "")
    when = _x_time(tweet, "")
    text = (
        as_dict(tweet.get("extended_tweet")).get("full_text") or tweet.get("full_text") or tweet.get("text")
    )
    interaction = {
        "type": "interaction",
        "event": event,
        "platform": "x",
        "interaction_id": tweet_id,
        "occurred_at": when,
        "actor": as_dict(tweet.get("user")).get("screen_name"),
    }
    for key in ("retweeted_status", "quoted_status"):
        if isinstance(tweet.get(key), dict):
            return compact({**interaction, "kind": "share", "post_id": _x_id(tweet[key], f"{key}.")})
    if tweet.get("in_reply_to_status_id_str"):
        return compact(
            {**interaction, "kind": "comment", "post_id": tweet["in_reply_to_status_id_str"], "text": text}
        )
    return _x_post(event, tweet, tweet_id, when, text)


def _x_favorite(event: str, favorite: dict) -> dict:
    return compact(
        {
            "type": "interaction",
            "event": event,
            "platform": "x",
            "kind": "like",
            "post_id": _x_id(as_dict(favorite.get("favorited_status")), "favorited_status."),
            "interaction_id": need_id(favorite, "id", "id"),
            "occurred_at": _x_time(favorite, ""),
            "actor": as_dict(favorite.get("user")).get("screen_name"),
        }
    )


X_BUILDERS = {"tweet_create_events": _x_tweet, "favorite_events": _x_favorite}


def map_x(payload: dict, event: str) -> list[Item]:
    arrays = [key for key in payload if key.endswith("_events")]
    if not arrays:
        return [
            Item(
                "",
                json.dumps(payload).encode(),
                None,
                "no '*_events' array; sada maps tweet_create_events and favorite_events",
            )
        ]
    items = []
    for key in arrays:
        for i, obj in enumerate(as_list(payload[key])):
            build = X_BUILDERS.get(key)
            if build is None:
                items.append(
                    Item(f"{key}.{i}", json.dumps(obj).encode(), None, f"X {key} have no format v1 mapping")
                )
            else:
                items.append(_item(f"{key}.{i}", obj, partial(build, event, as_dict(obj))))
    return items


LINKEDIN_KINDS = {
    "LIKE": "like",
    "COMMENT": "comment",
    "ADMIN_COMMENT": "comment",
    "COMMENT_EDIT": "comment",
    "SHARE": "share",
}


def _linkedin_notification(event: str, notification: dict) -> dict:
    action = notification.get("action")
    if action not in LINKEDIN_KINDS:
        raise Unmappable(
            "action", f"action {action!r} has no format v1 mapping; sada maps {', '.join(LINKEDIN_KINDS)}"
        )
    comment = as_dict(as_dict(notification.get("decoratedGeneratedActivity")).get("comment"))
    interaction_id = (
        _text(notification, "generatedActivity")
        or f"notification:{need_id(notification, 'notificationId', 'notificationId')}"
    )
    return compact(
        {
            "type": "interaction",
            "event": event,
            "platform": "linkedin",
            "kind": LINKEDIN_KINDS[action],
            "interaction_id": interaction_id,
            "post_id": need_id(notification, "sourcePost", "sourcePost"),
            "occurred_at": _unix(notification.get("lastModifiedAt"), "lastModifiedAt"),
            "actor": comment.get("owner") or notification.get("actor"),
            "text": comment.get("text"),
        }
    )


def map_linkedin(payload: dict, event: str) -> list[Item]:
    if payload.get("type") != "ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS":
        return [
            Item(
                "type",
                json.dumps(payload).encode(),
                None,
                f"notification type {payload.get('type')!r} has no format v1 mapping; sada maps "
                "ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS",
            )
        ]
    return [
        _item(f"notifications.{i}", n, partial(_linkedin_notification, event, as_dict(n)))
        for i, n in enumerate(as_list(payload.get("notifications")))
    ]


def _tiktok_post(event: str, payload: dict) -> dict:
    name = payload.get("event")
    if name != "post.publish.publicly_available":
        raise Unmappable(
            "event",
            f"TikTok event {name!r} carries no post or figures; sada maps post.publish.publicly_available",
        )
    content = payload.get("content")
    if isinstance(content, str):
        try:
            content = json.loads(content)
        except ValueError:
            raise Unmappable("content", "is not a JSON document") from None
    return compact(
        {
            "type": "post",
            "event": event,
            "platform": "tiktok",
            "media": "video",
            "post_id": need_id(as_dict(content), "post_id", "content.post_id"),
            "created_at": _unix(payload.get("create_time"), "create_time"),
            "account": payload.get("user_openid"),
        }
    )


def map_tiktok(payload: dict, event: str) -> list[Item]:
    if payload.get("event") == "tiktok.ping":
        return []
    return [_item("", payload, partial(_tiktok_post, event, payload))]


# --- verification handshakes -------------------------------------------------------------------


def _secret(settings: Settings, name: str) -> bytes | None:
    value = getattr(settings, name)
    return value.get_secret_value().encode() if value is not None and value.get_secret_value() else None


def _unset(setting: str, what: str) -> web.Response:
    return error(503, f"{what} needs SADA_{setting.upper()}; set it and restart the collector")


def handshake_meta(settings: Settings, query: Mapping[str, str]) -> web.Response:
    token = _secret(settings, "meta_verify_token")
    if token is None:
        return _unset("meta_verify_token", "Meta's verification request (the Verify Token of the webhook)")
    challenge = query.get("hub.challenge", "")
    if query.get("hub.mode") != "subscribe" or not CHALLENGE.fullmatch(challenge):
        return error(400, "expected hub.mode=subscribe, hub.challenge and hub.verify_token")
    if not hmac.compare_digest(query.get("hub.verify_token", "").encode("utf-8", "replace"), token):
        return error(403, "hub.verify_token is not the one set in SADA_META_VERIFY_TOKEN")
    return web.Response(text=challenge, content_type="text/plain")


def handshake_x(settings: Settings, query: Mapping[str, str]) -> web.Response:
    secret = _secret(settings, "x_consumer_secret")
    if secret is None:
        return _unset("x_consumer_secret", "X's CRC check (the app's consumer secret)")
    token = query.get("crc_token", "")
    if not token:
        return error(400, "expected crc_token")
    return web.json_response({"response_token": x_signature(secret, token.encode())})


def handshake_linkedin(settings: Settings, query: Mapping[str, str]) -> web.Response:
    secret = _secret(settings, "linkedin_client_secret")
    if secret is None:
        return _unset("linkedin_client_secret", "LinkedIn's validation (the app's client secret)")
    code = query.get("challengeCode", "")
    if not code:
        return error(400, "expected challengeCode")
    return web.json_response(
        {"challengeCode": code, "challengeResponse": linkedin_signature(secret, code.encode(), prefix=b"")}
    )


def handshake_tiktok(_: Settings, __: Mapping[str, str]) -> web.Response:
    response = error(
        405, "TikTok has no verification handshake: register this URL and it POSTs signed deliveries"
    )
    response.headers["Allow"] = "POST"
    return response


@dataclass(frozen=True)
class Platform:
    """What differs between platforms: where the signature is, how to check it, the
    handshake, and how a delivery becomes records."""

    name: str
    header: str
    secret: str
    verify: Callable[[bytes, str, bytes, float, int], Refusal | None]
    handshake: Callable[[Settings, Mapping[str, str]], web.Response]
    deliveries: Callable[[dict, str], list[Item]]


PLATFORMS = {
    "meta": Platform("Meta", "X-Hub-Signature-256", "meta_app_secret", verify_meta, handshake_meta, map_meta),
    "x": Platform("X", "x-twitter-webhooks-signature", "x_consumer_secret", verify_x, handshake_x, map_x),
    "linkedin": Platform(
        "LinkedIn",
        "X-LI-Signature",
        "linkedin_client_secret",
        verify_linkedin,
        handshake_linkedin,
        map_linkedin,
    ),
    "tiktok": Platform(
        "TikTok", "TikTok-Signature", "tiktok_client_secret", verify_tiktok, handshake_tiktok, map_tiktok
    ),
}


# --- the routes --------------------------------------------------------------------------------


def parse_delivery(platform: Platform, body: bytes, event: str) -> list[Item]:
    """Every item of a verified delivery; a body that is not a JSON object is one dead letter."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return [Item("", body, None, f"the delivery is not UTF-8 (byte {exc.start})")]
    except ValueError as exc:
        return [Item("", body, None, f"the delivery is not JSON: {exc}")]
    if not isinstance(payload, dict):
        return [Item("", body, None, "the delivery is not a JSON object")]
    return platform.deliveries(payload, event)


def to_intake(items: Iterable[Item], event: str, received_ns: int, numbered: bool = True) -> Intake:
    """Mapped records are validated like any other (format v1); the rest become dead letters.

    ``numbered``: items are lines 1, 2, … of the delivery. Pollers pass False: every item is
    "line 0", so the same bad item read again on a later pass keeps its reject id.
    """
    arrival = datetime.fromtimestamp(received_ns / 1e9, tz=UTC)
    intake = Intake(received_ns)
    for number, item in enumerate(items, start=1):
        line = Line(number if numbered else 0, item.raw)
        outcome = (
            validate_object(item.record, arrival)
            if item.record is not None
            else Rejection(item.path, item.reason, event)
        )
        if isinstance(outcome, Rejection):
            intake.rejected.append((line, outcome))
        else:
            intake.accepted.append((line, outcome))
    return intake


def _route(request: web.Request) -> tuple[Platform | None, web.Response | None]:
    name, event = request.match_info["platform"], request.match_info["event"]
    if name not in PLATFORMS:
        return None, error(404, f"no webhook for platform {name!r}; expected one of {', '.join(PLATFORMS)}")
    if not re.fullmatch(EVENT_SLUG, event):
        return None, error(
            400,
            f"event slug {event!r} must match {EVENT_SLUG} (the URL names the event the records belong to)",
        )
    return PLATFORMS[name], None


def add_webhook_routes(
    app: web.Application, settings: Settings, publisher: Publisher, registry: CollectorRegistry
) -> None:
    deliveries = Counter(
        "sada_collector_webhook_deliveries",
        "Webhook requests, by platform and status",
        ["platform", "status"],
        registry=registry,
    )
    records = Counter(
        "sada_collector_webhook_records",
        "Delivered items, by platform and outcome (accepted, dead_letter)",
        ["platform", "outcome"],
        registry=registry,
    )

    def answer(platform: str, response: web.Response) -> web.Response:
        deliveries.labels(platform, str(response.status)).inc()
        return response

    async def handshake(request: web.Request) -> web.Response:
        platform, refused = _route(request)
        if platform is None:
            return refused
        return platform.handshake(settings, request.query)

    async def deliver(request: web.Request) -> web.Response:
        platform, refused = _route(request)
        if platform is None:
            return refused
        name, event = request.match_info["platform"], request.match_info["event"]
        secret = _secret(settings, platform.secret)
        if secret is None:
            return answer(name, _unset(platform.secret, f"verifying {platform.name} webhooks"))
        signature = request.headers.get(platform.header)
        if not signature:
            return answer(
                name, error(401, f"missing {platform.header} header: {platform.name} signs every delivery")
            )
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return answer(
                name, error(413, f"body larger than {settings.max_body_bytes} bytes (SADA_MAX_BODY_BYTES)")
            )
        problem = platform.verify(secret, signature, body, time.time(), settings.webhook_tolerance_s)
        if problem:
            log.warning("refused a %s webhook delivery for %s: %s", platform.name, event, problem.message)
            return answer(name, error(problem.status, problem.message))
        intake = to_intake(parse_delivery(platform, body, event), event, now_ns())
        unavailable = await publish_acked(publisher, intake, f"webhook:{name}", settings)
        if unavailable:
            return answer(name, unavailable)
        records.labels(name, "accepted").inc(len(intake.accepted))
        records.labels(name, "dead_letter").inc(len(intake.rejected))
        return answer(
            name,
            web.json_response(
                {
                    "accepted": len(intake.accepted),
                    "rejected": [
                        {"item": line.number, "field": rejection.field, "reason": rejection.reason}
                        for line, rejection in intake.rejected
                    ],
                }
            ),
        )

    app.router.add_get(PATH, handshake)
    app.router.add_post(PATH, deliver)
