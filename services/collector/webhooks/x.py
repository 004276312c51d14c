"""X deliveries (Account Activity) → format v1.

``tweet_create_events`` → a ``post`` for an original post, an ``interaction`` share for a
repost or quote, comment for a reply (on the post it answers); ``favorite_events`` →
``interaction`` like. Other ``*_events`` arrays are dead-lettered.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from services.collector import mapping


def _x_time(obj: dict, path: str) -> str:
    if "timestamp_ms" in obj:
        return mapping.need_unix(obj["timestamp_ms"], f"{path}timestamp_ms")
    try:
        return datetime.strptime(str(obj.get("created_at")), "%a %b %d %H:%M:%S %z %Y").isoformat()
    except ValueError:
        raise mapping.Unmappable(
            f"{path}created_at", "is missing or not X's 'Wed Oct 10 20:19:24 +0000 2018'"
        ) from None


def _x_id(obj: dict, path: str) -> str:
    """X objects carry their id twice; ``id_str`` is the one JSON cannot round off."""
    return mapping.text(obj, "id_str") or mapping.need_id(obj, "id", f"{path}id_str")


def _x_post(event: str, tweet: dict, tweet_id: str, created_at: str, body: object) -> dict:
    user = mapping.as_dict(tweet.get("user"))
    screen_name = user.get("screen_name")
    extended = mapping.as_dict(tweet.get("extended_tweet"))
    entities = mapping.as_dict(extended.get("entities") or tweet.get("entities"))
    hashtags = [
        tag["text"]
        for tag in map(mapping.as_dict, mapping.as_list(entities.get("hashtags")))
        if isinstance(tag.get("text"), str)
    ]
    media = mapping.as_list(
        mapping.as_dict(extended.get("extended_entities") or tweet.get("extended_entities")).get("media")
    )
    followers = user.get("followers_count")
    return mapping.compact(
        {
            "type": "post",
            "event": event,
            "platform": "x",
            "post_id": tweet_id,
            "created_at": created_at,
            "text": body,
            "author": screen_name,
            "account": screen_name,
            "lang": tweet.get("lang"),
            "hashtags": hashtags or None,
            "url": f"https://x.com/{screen_name}/status/{tweet_id}" if screen_name else None,
            "media": mapping.X_MEDIA.get(str(mapping.as_dict(media[0]).get("type"))) if media else "text",
            "followers": followers if isinstance(followers, int) else None,
        }
    )


def _x_tweet(event: str, tweet: dict) -> dict:
    """An original post is a post; a repost or quote is a share and a reply a comment, on
    the post they point at."""
    tweet_id = _x_id(tweet, "")
    when = _x_time(tweet, "")
    body = (
        mapping.as_dict(tweet.get("extended_tweet")).get("full_text")
        or tweet.get("full_text")
        or tweet.get("text")
    )
    interaction = {
        "type": "interaction",
        "event": event,
        "platform": "x",
        "interaction_id": tweet_id,
        "occurred_at": when,
        "actor": mapping.as_dict(tweet.get("user")).get("screen_name"),
    }
    for key in ("retweeted_status", "quoted_status"):
        if isinstance(tweet.get(key), dict):
            return mapping.compact({**interaction, "kind": "share", "post_id": _x_id(tweet[key], f"{key}.")})
    if tweet.get("in_reply_to_status_id_str"):
        return mapping.compact(
            {**interaction, "kind": "comment", "post_id": tweet["in_reply_to_status_id_str"], "text": body}
        )
    return _x_post(event, tweet, tweet_id, when, body)


def _x_favorite(event: str, favorite: dict) -> dict:
    return mapping.compact(
        {
            "type": "interaction",
            "event": event,
            "platform": "x",
            "kind": "like",
            "post_id": _x_id(mapping.as_dict(favorite.get("favorited_status")), "favorited_status."),
            "interaction_id": mapping.need_id(favorite, "id", "id"),
            "occurred_at": _x_time(favorite, ""),
            "actor": mapping.as_dict(favorite.get("user")).get("screen_name"),
        }
    )


X_BUILDERS = {"tweet_create_events": _x_tweet, "favorite_events": _x_favorite}


def map_x(payload: dict, event: str) -> list[mapping.Item]:
    arrays = [key for key in payload if key.endswith("_events")]
    if not arrays:
        return [
            mapping.unmapped(
                "", payload, "no '*_events' array; sada maps tweet_create_events and favorite_events"
            )
        ]
    items = []
    for key in arrays:
        for i, obj in enumerate(mapping.as_list(payload[key])):
            build = X_BUILDERS.get(key)
            if build is None:
                items.append(mapping.unmapped(f"{key}.{i}", obj, f"X {key} have no format v1 mapping"))
            else:
                items.append(mapping.item(f"{key}.{i}", obj, partial(build, event, mapping.as_dict(obj))))
    return items
