"""A poller's checkpoint: a small JSON file per connector and event
(``<state dir>/<connector>-<event>.json``), replaced atomically.

Every page is published (Kafka acknowledged) *before* the checkpoint moves past it, so a
crash re-reads at most one page, and the store counts it once (DESIGN §3 identities).
"""

from __future__ import annotations

import json
import logging
import os
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from services.collector.mapping import parse_time
from services.collector.pollers.schedule import iso, utcnow
from shared.settings import Settings

log = logging.getLogger("sada.collector.pollers")


class Checkpoint:
    """A small JSON file, replaced atomically: cursors, known posts, dropped metrics, a block,
    and the poller's health that outlives a restart (``last_success``, ``stopped``, ``paused``:
    see ``health.py``).

    ``posts``: id → ``{"c": created, "r": last refreshed or null, "x": false when the
    platform gives no figures by id, "gone": true once the platform says it was deleted}``.
    """

    VERSION = 1

    def __init__(self, path: Path):
        self.path = path
        self.data = self._load()

    def _load(self) -> dict[str, Any]:
        fresh = {
            "version": self.VERSION,
            "cursors": {},
            "posts": {},
            "dropped_metrics": {},
            "blocked_until": None,
            "seen": [],
            "last_success": None,
            "stopped": None,
            "paused": {},
        }
        try:
            loaded = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return fresh
        except (OSError, ValueError) as exc:
            aside = self.path.with_suffix(f".unreadable-{int(time.time())}.json")
            log.warning(
                "checkpoint %s is unreadable (%s); set aside as %s, starting afresh",
                self.path,
                exc,
                aside.name,
            )
            os.replace(self.path, aside)
            return fresh
        if not isinstance(loaded, dict):
            return fresh
        return {**fresh, **loaded}

    @property
    def cursors(self) -> dict[str, Any]:
        return self.data["cursors"]

    @property
    def posts(self) -> dict[str, dict[str, Any]]:
        return self.data["posts"]

    @property
    def dropped_metrics(self) -> dict[str, str]:
        return self.data["dropped_metrics"]

    def refreshable(self) -> dict[str, tuple[datetime, datetime | None]]:
        found = {}
        for post_id, known in self.posts.items():
            created = parse_time(known.get("c"))
            if created is None or known.get("gone") or known.get("x") is False:
                continue
            found[post_id] = (created, parse_time(known.get("r")))
        return found

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.data["saved_at"] = iso(utcnow())
        temporary = self.path.with_name(f".{self.path.name}.tmp")
        with temporary.open("w", encoding="utf-8") as sink:
            json.dump(self.data, sink, ensure_ascii=False, separators=(",", ":"))
            sink.flush()
            os.fsync(sink.fileno())
        os.replace(temporary, self.path)


def state_dir(settings: Settings) -> Path:
    return settings.polling.state_dir or settings.data_dir / "pollers"
