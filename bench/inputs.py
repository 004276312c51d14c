"""Bench inputs, all built before any clock starts so that no figure pays for them.

Every post comes as a group of five valid records: the post, three growing
metrics snapshots and one comment interaction. Groups are whole inside every
HTTP body, so after each body the summary's expected totals are known exactly:
posts (one per group), views (the last snapshot's views) and comments (the
snapshots carry no comments field, so the summary counts comment interactions).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from services.demo.simulator import SAMPLE_TEXTS
from shared.events import Rejection, parse_record

EVENT = "bench"
GROUP = 5  # records per post
PLATFORMS = ("x", "facebook", "linkedin", "youtube", "instagram")
TEXTS = [text for texts in SAMPLE_TEXTS.values() for text in texts]


def post_group(n: int, event: str, start: datetime) -> list[dict[str, Any]]:
    """The five records of post ``n``; ids are unique per ``n``, timestamps in the past."""
    platform = PLATFORMS[n % len(PLATFORMS)]
    post_id = f"urn:bench:{platform}:{n:019d}"  # as long as real platform ids
    created = start + timedelta(seconds=n % 86_400, microseconds=n % 997_000)
    views = 100 + n % 900
    records: list[dict[str, Any]] = [
        {
            "type": "post",
            "event": event,
            "platform": platform,
            "post_id": post_id,
            "created_at": created.isoformat(),
            "account": f"@bench-account-{n % 97}",
            "author": f"Bench Author {n % 31}",
            "text": TEXTS[n % len(TEXTS)],
            "lang": ("ar", "fr", "en")[n % 3],
            "hashtags": ["bench", "sada"],
            "url": f"https://{platform}.example/{post_id}",
            "media": "video",
            "followers": 1_000 + n % 50_000,
        }
    ]
    for step, share in enumerate((0.3, 0.7, 1.0), start=1):
        records.append(
            {
                "type": "metrics",
                "event": event,
                "platform": platform,
                "post_id": post_id,
                "observed_at": (created + timedelta(hours=step)).isoformat(),
                "impressions": int(3 * views * share),
                "reach": int(2 * views * share),
                "views": int(views * share),
                "likes": int(views * share / 10),
                "shares": int(views * share / 50),
                "clicks": int(views * share / 20),
                "saves": int(views * share / 100),
            }
        )
    records.append(
        {
            "type": "interaction",
            "event": event,
            "platform": platform,
            "post_id": post_id,
            "interaction_id": f"{post_id}-comment",
            "kind": "comment",
            "occurred_at": (created + timedelta(minutes=30)).isoformat(),
            "actor": f"user{n % 9_999}",
            "text": TEXTS[(n + 1) % len(TEXTS)],
        }
    )
    return records


def start_time() -> datetime:
    """Three days ago: every timestamp generated from it passes the 24-hour-ahead rule."""
    return datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)


def groups(count: int, event: str = EVENT, first: int = 0) -> list[list[dict[str, Any]]]:
    start = start_time()
    return [post_group(n, event, start) for n in range(first, first + count)]


def ndjson(records: list[dict[str, Any]]) -> bytes:
    return "\n".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in records).encode()


@dataclass(frozen=True)
class Body:
    """One POST body and the summary totals expected once it (and all before it) is stored."""

    body: bytes
    records: int
    posts: int
    views: int
    comments: int


def bodies(post_groups: list[list[dict[str, Any]]], groups_per_body: int) -> list[Body]:
    """Bodies of ``groups_per_body`` whole groups, with cumulative expected totals."""
    out: list[Body] = []
    posts = views = comments = 0
    for first in range(0, len(post_groups), groups_per_body):
        chunk = post_groups[first : first + groups_per_body]
        posts += len(chunk)
        views += sum(group[3]["views"] for group in chunk)
        comments += len(chunk)
        records = [record for group in chunk for record in group]
        out.append(Body(ndjson(records), len(records), posts, views, comments))
    return out


def kafka_messages(count: int) -> list[tuple[bytes, bytes]]:
    """(key, value) pairs exactly as the collector produces them: canonical JSON, keyed by post."""
    records = [record for group in groups(-(-count // GROUP)) for record in group][:count]
    out = []
    for record in records:
        parsed = parse_record(json.dumps(record, ensure_ascii=False).encode())
        assert not isinstance(parsed, Rejection), parsed
        out.append((parsed.key, parsed.to_json()))
    return out


def metrics_rows(count: int, event: str = EVENT) -> list[list[Any]]:
    """Rows of the ``metrics`` table, in ``shared.store.TABLES['metrics']`` column order."""
    start = start_time()
    rows = []
    for n in range(count):
        views = 100 + n % 900
        platform = PLATFORMS[n % len(PLATFORMS)]
        rows.append(
            [
                event,
                platform,
                f"urn:bench:{platform}:{n // 3:019d}",
                start + timedelta(seconds=n, microseconds=n % 997_000),
                3 * views,
                2 * views,
                views,
                views // 10,
                None,
                views // 50,
                views // 20,
                views // 100,
                "http:bench",
                1_700_000_000_000_000_000 + n,
            ]
        )
    return rows
