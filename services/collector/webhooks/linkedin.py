"""LinkedIn deliveries (``ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS``) → format v1.

LIKE → like, COMMENT/ADMIN_COMMENT/COMMENT_EDIT → comment, SHARE → share, on
``sourcePost``; id = ``generatedActivity`` (so an edited comment replaces itself), else
``notification:<notificationId>``.

A delivery may name its post by activity (``sourcePost: urn:li:activity:N``) and give the
post's API URN in ``decoratedSourcePost.entity`` (``urn:li:share:M``), as real COMMENT
deliveries do: the interaction is then on the API URN, sada's LinkedIn post id, and the link
is kept in the alias table (:mod:`services.collector.aliases`).
"""

from __future__ import annotations

from functools import partial

from services.collector import mapping
from services.collector.aliases import from_notification

LINKEDIN_KINDS = {
    "LIKE": "like",
    "COMMENT": "comment",
    "ADMIN_COMMENT": "comment",
    "COMMENT_EDIT": "comment",
    "SHARE": "share",
}


def post_of(notification: dict) -> str:
    """``sourcePost``, or the API post URN its decoration gives for an activity."""
    source = mapping.need_id(notification, "sourcePost", "sourcePost")
    return from_notification(notification).get(source, source)


def _linkedin_notification(event: str, notification: dict) -> dict:
    action = notification.get("action")
    if action not in LINKEDIN_KINDS:
        raise mapping.Unmappable(
            "action", f"action {action!r} has no format v1 mapping; sada maps {', '.join(LINKEDIN_KINDS)}"
        )
    comment = mapping.as_dict(mapping.as_dict(notification.get("decoratedGeneratedActivity")).get("comment"))
    interaction_id = (
        mapping.text(notification, "generatedActivity")
        or f"notification:{mapping.need_id(notification, 'notificationId', 'notificationId')}"
    )
    return mapping.compact(
        {
            "type": "interaction",
            "event": event,
            "platform": "linkedin",
            "kind": LINKEDIN_KINDS[action],
            "interaction_id": interaction_id,
            "post_id": post_of(notification),
            "occurred_at": mapping.need_unix(notification.get("lastModifiedAt"), "lastModifiedAt"),
            "actor": comment.get("owner") or notification.get("actor"),
            "text": comment.get("text"),
        }
    )


def map_linkedin(payload: dict, event: str) -> list[mapping.Item]:
    if payload.get("type") != "ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS":
        return [
            mapping.unmapped(
                "type",
                payload,
                f"notification type {payload.get('type')!r} has no format v1 mapping; sada maps "
                "ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS",
            )
        ]
    return [
        mapping.item(f"notifications.{i}", n, partial(_linkedin_notification, event, mapping.as_dict(n)))
        for i, n in enumerate(mapping.as_list(payload.get("notifications")))
    ]
