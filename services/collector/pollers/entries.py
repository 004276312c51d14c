"""A platform item as a poller found it: a post and/or a metrics snapshot, or why neither."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from services.collector.mapping import Unmappable, identified, joined


@dataclass(frozen=True)
class Entry:
    """One platform item in format v1: a post and/or a metrics snapshot, or why neither."""

    path: str
    raw: bytes
    post: dict | None = None
    metrics: dict | None = None
    reason: str = ""
    refreshable: bool = True  # False: the platform gives no figures by id (hashtag media)
    extra: Mapping[str, Any] | None = None  # kept with the known post (what refreshing needs)
    item_id: str | None = None  # the platform's id of an item that could not be mapped

    @property
    def post_id(self) -> str | None:
        return (self.post or self.metrics or {}).get("post_id")


def entry(
    path: str,
    obj: object,
    build: Callable[[], tuple[dict | None, dict | None]],
    refreshable: bool = True,
    extra: Mapping[str, Any] | None = None,
) -> Entry:
    raw = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    try:
        found_post, found_metrics = build()
        post, metrics = identified(found_post), identified(found_metrics)
    except Unmappable as exc:
        item_id = obj.get("id") if isinstance(obj, dict) else None
        return Entry(
            joined(path, exc.field),
            raw,
            reason=exc.reason,
            item_id=f"{item_id}|{exc.field}|{exc.reason}" if isinstance(item_id, (str, int)) else None,
        )
    return Entry(path, raw, post, metrics, refreshable=refreshable, extra=extra)
