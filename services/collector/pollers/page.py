"""What one page of a poller brings, sorted: the items to publish and the checkpoint changes
that follow once Kafka has them.

Discovery: a new post with its figures; a known post's figures when they are due. Refresh:
every snapshot. An item that cannot be mapped is dead-lettered once (its id is remembered).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.collector.mapping import Item, parse_time
from services.collector.pollers.checkpoint import Checkpoint
from services.collector.pollers.entries import Entry
from services.collector.pollers.schedule import is_due, iso

# Platform items that could not be mapped, remembered so they are dead-lettered once.
DEAD_LETTERS_KEPT = 5000


@dataclass
class Page:
    """One page's entries sorted against the checkpoint's known posts and dead letters."""

    now: datetime
    posts: Mapping[str, dict[str, Any]]  # the checkpoint's known posts
    dead: set[str]  # the item ids dead-lettered already (this page's join them)
    earlier: set[str]  # the posts whose figures this pass has published already
    refreshing: bool = False  # a refresh: every snapshot is published
    items: list[Item] = field(default_factory=list)
    new: dict[str, dict[str, Any]] = field(default_factory=dict)
    refreshed: set[str] = field(default_factory=set)
    new_dead: list[str] = field(default_factory=list)

    def sort(self, found: Entry) -> None:
        post_id = found.post_id
        if found.reason:
            self.refused(found)
        elif post_id is None:
            return
        elif found.post is not None and post_id not in self.posts and post_id not in self.new:
            self.discovered(post_id, found)
        elif found.metrics is not None and post_id not in self.refreshed and self.due(post_id):
            self.items.append(Item(found.path, found.raw, found.metrics))
            self.refreshed.add(post_id)

    def refused(self, found: Entry) -> None:
        """An unmappable item goes to the dead letters, once per platform id."""
        if found.item_id is not None and found.item_id in self.dead:
            return
        self.items.append(Item(found.path, found.raw, None, found.reason))
        if found.item_id is not None:
            self.dead.add(found.item_id)
            self.new_dead.append(found.item_id)

    def discovered(self, post_id: str, found: Entry) -> None:
        """A new post, with the figures the page carries."""
        assert found.post is not None
        self.items.append(Item(found.path, found.raw, found.post))
        if found.metrics is not None:
            self.items.append(Item(found.path, found.raw, found.metrics))
        self.new[post_id] = {
            **(found.extra or {}),
            "c": found.post.get("created_at"),
            "r": iso(self.now) if found.metrics else None,
        }
        if not found.refreshable:
            self.new[post_id]["x"] = False

    def due(self, post_id: str) -> bool:
        """Whether a known post's figures are published: always in a refresh, else when due."""
        known = self.posts.get(post_id) or self.new.get(post_id) or {}
        created = parse_time(known.get("c")) or self.now
        return self.refreshing or (
            post_id not in self.earlier and is_due(created, parse_time(known.get("r")), self.now)
        )

    def published(self) -> set[str]:
        """The posts whose figures this page published."""
        return self.refreshed | {post_id for post_id, known in self.new.items() if known["r"]}

    def apply(self, checkpoint: Checkpoint) -> None:
        """Once Kafka has the items: the new posts, the refresh times, the dead letters.

        An item dead-lettered once is not sent again each time a page shows it (its figures
        change, so its bytes, so its reject id would too); the last few thousand are kept."""
        dead = checkpoint.data.setdefault("dead", [])
        dead.extend(self.new_dead)
        del dead[:-DEAD_LETTERS_KEPT]
        posts = checkpoint.posts
        posts.update(self.new)
        for post_id in self.refreshed:
            if post_id in posts:
                posts[post_id]["r"] = iso(self.now)
