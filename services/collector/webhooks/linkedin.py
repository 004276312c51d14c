"""LinkedIn deliveries (``ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS``) → format v1.

LIKE → like, COMMENT/ADMIN_COMMENT/COMMENT_EDIT → comment, SHARE → share, on
``sourcePost``; id = ``generatedActivity`` (so an edited comment replaces itself), else
``notification:<notificationId>``.
"""

from __future__ import annotations

from functools import partial

from services.collector.mapping import (
    Item,
    Unmappable,
    as_dict,
    as_list,
    compact,
    item,
    need_id,
    need_unix,
    text,
    unmapped,
)

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
        text(notification, "generatedActivity")
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
            "occurred_at": need_unix(notification.get("lastModifiedAt"), "lastModifiedAt"),
            "actor": comment.get("owner") or notification.get("actor"),
            "text": comment.get("text"),
        }
    )


def map_linkedin(payload: dict, event: str) -> list[Item]:
    if payload.get("type") != "ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS":
        return [
            unmapped(
                "type",
                payload,
                f"notification type {payload.get('type')!r} has no format v1 mapping; sada maps "
                "ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS",
            )
        ]
    return [
        item(f"notifications.{i}", n, partial(_linkedin_notification, event, as_dict(n)))
        for i, n in enumerate(as_list(payload.get("notifications")))
    ]
