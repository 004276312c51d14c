"""TikTok deliveries → format v1: ``post.publish.publicly_available`` → ``post``
(``content.post_id``); ``tiktok.ping`` (the dashboard's test) is acknowledged and ignored."""

from __future__ import annotations

from functools import partial

from services.collector import mapping
from shared.events import load_json


def _tiktok_post(event: str, payload: dict) -> dict:
    name = payload.get("event")
    if name != "post.publish.publicly_available":
        raise mapping.Unmappable(
            "event",
            f"TikTok event {name!r} carries no post or figures; sada maps post.publish.publicly_available",
        )
    content = payload.get("content")
    if isinstance(content, str):
        try:
            content = load_json(content)
        except ValueError:
            raise mapping.Unmappable("content", "is not a JSON document") from None
    return mapping.compact(
        {
            "type": "post",
            "event": event,
            "platform": "tiktok",
            "media": "video",
            "post_id": mapping.need_id(mapping.as_dict(content), "post_id", "content.post_id"),
            "created_at": mapping.need_unix(payload.get("create_time"), "create_time"),
            "account": payload.get("user_openid"),
        }
    )


def map_tiktok(payload: dict, event: str) -> list[mapping.Item]:
    if payload.get("event") == "tiktok.ping":
        return []
    return [mapping.item("", payload, partial(_tiktok_post, event, payload))]
