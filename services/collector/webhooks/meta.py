"""Meta deliveries (Facebook Pages and Instagram) → format v1, one record per change.

- **Facebook Page** (``object: page``, field ``feed``): items ``status``, ``post``,
  ``photo``, ``video``, ``share``, ``link`` → ``post``; ``comment`` → ``interaction``
  comment (id = ``comment_id``); ``reaction`` and ``like`` → ``interaction`` like (every
  reaction counts as a like, as in the export; id = ``<post_id>:reaction:<from.id>``, so
  changing a reaction stays one). Verbs other than add/edit (remove, hide) cannot be said
  in format v1.
- **Instagram** (``object: instagram``): ``comments``/``live_comments`` → ``interaction``
  comment on ``media.id``; ``story_insights`` → ``metrics`` (impressions, reach) observed
  at the entry's time.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from services.collector import mapping

FACEBOOK_POSTS = {
    "status": "text",
    "post": "text",
    "photo": "image",
    "video": "video",
    "share": "link",
    "link": "link",
}
FACEBOOK_VERBS = ("add", "edit", "edited")


def meta_time(value: object, path: str) -> str:
    """Graph API times are unix seconds in webhooks, ``2022-10-26T09:12:00+0000`` elsewhere."""
    if isinstance(value, str) and not value.isdigit():
        try:
            return datetime.fromisoformat(value).isoformat()
        except ValueError:
            raise mapping.Unmappable(path, f"{value!r} is not a time") from None
    return mapping.need_unix(value, path)


def _facebook_change(event: str, entry: dict, change: dict) -> dict:
    if change.get("field") != "feed":
        raise mapping.Unmappable(
            "field", f"Page field {change.get('field')!r} has no format v1 mapping; sada maps 'feed'"
        )
    value = mapping.as_dict(change.get("value"))
    kind, verb = value.get("item"), value.get("verb")
    if verb not in FACEBOOK_VERBS:
        raise mapping.Unmappable("value.verb", f"verb {verb!r}: format v1 cannot remove or hide a record")
    post_id = mapping.need_id(value, "post_id", "value.post_id")
    when = meta_time(value.get("created_time", entry.get("time")), "value.created_time")
    author = mapping.as_dict(value.get("from"))
    base = {"event": event, "platform": "facebook", "post_id": post_id}
    if kind in FACEBOOK_POSTS:
        return mapping.compact(
            {
                "type": "post",
                **base,
                "created_at": when,
                "text": value.get("message"),
                "author": author.get("name"),
                "account": mapping.text(entry, "id"),
                "media": FACEBOOK_POSTS[kind],
            }
        )
    if kind == "comment":
        return mapping.compact(
            {
                "type": "interaction",
                **base,
                "kind": "comment",
                "occurred_at": when,
                "interaction_id": mapping.need_id(value, "comment_id", "value.comment_id"),
                "actor": author.get("name"),
                "text": value.get("message"),
            }
        )
    if kind in ("reaction", "like"):
        if "comment_id" in value:
            raise mapping.Unmappable("value.comment_id", "a reaction to a comment, not to a post")
        actor = mapping.need_id(author, "id", "value.from.id")
        return mapping.compact(
            {
                "type": "interaction",
                **base,
                "kind": "like",
                "occurred_at": when,
                "interaction_id": f"{post_id}:reaction:{actor}",
                "actor": author.get("name"),
            }
        )
    raise mapping.Unmappable("value.item", f"feed item {kind!r} has no format v1 mapping")


def _instagram_change(event: str, entry: dict, change: dict) -> dict:
    field, value = change.get("field"), mapping.as_dict(change.get("value"))
    when = mapping.need_unix(entry.get("time"), "time")
    if field in ("comments", "live_comments"):
        return mapping.compact(
            {
                "type": "interaction",
                "event": event,
                "platform": "instagram",
                "kind": "comment",
                "post_id": mapping.need_id(mapping.as_dict(value.get("media")), "id", "value.media.id"),
                "interaction_id": mapping.need_id(value, "id", "value.id"),
                "occurred_at": when,
                "actor": mapping.as_dict(value.get("from")).get("username"),
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
            "post_id": mapping.need_id(value, "media_id", "value.media_id"),
            **counters,
        }
    raise mapping.Unmappable(
        "field",
        f"Instagram field {field!r} has no format v1 mapping; sada maps comments, "
        "live_comments and story_insights",
    )


def map_meta(payload: dict, event: str) -> list[mapping.Item]:
    kind = payload.get("object")
    builders = {"page": _facebook_change, "instagram": _instagram_change}
    if kind not in builders:
        return [
            mapping.unmapped(
                "object",
                payload,
                f"Meta object {kind!r} has no format v1 mapping; sada maps 'page' and 'instagram'",
            )
        ]
    return [
        mapping.item(
            f"entry.{i}.changes.{j}",
            change,
            partial(builders[kind], event, mapping.as_dict(entry), mapping.as_dict(change)),
        )
        for i, entry in enumerate(mapping.as_list(payload.get("entry")))
        for j, change in enumerate(mapping.as_list(mapping.as_dict(entry).get("changes")))
    ]
