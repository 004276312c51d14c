"""Rollups kept at write time, so that reading a large event stays fast.

``post_minutes`` holds each post's changes per UTC minute (DESIGN §4, the
rules in ``rollup_sql/refresh_post_minutes.sql``), ``post_hours`` their sums
per hour and ``post_totals`` the sums of those over all time. After every batch the
aggregator writes, the posts it touched are recomputed from the raw tables.
Recomputing instead of adding keeps the rollups exact: a re-sent record, a
retried batch, or a batch read again after a crash leaves the same figures,
because the raw tables keep one version per identity and the recomputation
reads them.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from clickhouse_connect.driver.client import Client

from shared.chunks import chunked
from shared.progress import Progress
from shared.records import INTERACTIONS, TABLES
from shared.sqlfiles import sql

Post = tuple[str, str]  # (platform, post_id)
REFRESH_CHUNK = 2_000  # posts per recomputation: bounds the size of the IN sets
POST_TABLES = ("posts", "metrics", "interactions")  # the raw tables whose rows name a post
SQL = "shared.rollup_sql"


def touched(client: Client, table: str, rows: Sequence[Sequence[Any]]) -> dict[str, set[Post]]:
    """The posts, per event, whose figures an insert of ``rows`` into ``table`` may change."""
    posts: dict[str, set[Post]] = defaultdict(set)
    if table not in POST_TABLES:
        return posts
    post_of = TABLES[table].reader("event", "platform", "post_id")
    for row in rows:
        # an interaction's own post too: a later row of the batch may replace it before it is stored
        event, platform, post_id = post_of(row)
        posts[event].add((platform, post_id))
    if table == INTERACTIONS.name:
        interaction_of = INTERACTIONS.reader("event", "platform", "interaction_id")
        ids: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for row in rows:
            event, platform, interaction_id = interaction_of(row)
            ids[event].add((platform, interaction_id))
        for event, keys in ids.items():
            for chunk in chunked(sorted(keys), REFRESH_CHUNK):
                found = client.query(
                    sql(SQL, "touched_by_interactions"), parameters={"event": event, "interactions": chunk}
                )
                posts[event].update((platform, post_id) for platform, post_id in found.result_rows)
    return posts


REFRESHES = ("refresh_post_minutes", "refresh_post_hours", "refresh_post_totals")  # in this order


def refresh(client: Client, event: str, posts: Iterable[Post]) -> None:
    """Recompute the rollups of ``posts`` of ``event`` from the raw tables."""
    for chunk in chunked(sorted(posts), REFRESH_CHUNK):
        # the version is taken before reading, so a recomputation that read later wins
        parameters = {"event": event, "version": time.time_ns(), "posts": chunk}
        for name in REFRESHES:
            client.command(sql(SQL, name), parameters=parameters)


def after_insert(client: Client, written: Mapping[str, Sequence[Sequence[Any]]]) -> None:
    """Bring the rollups up to date with rows just inserted (per table): one recomputation
    per event for all the posts the tables' rows touch."""
    posts: dict[str, set[Post]] = defaultdict(set)
    for table, rows in written.items():
        for event, keys in touched(client, table, rows).items():
            posts[event] |= keys
    for event, keys in posts.items():
        refresh(client, event, keys)


def rebuild(client: Client, progress: Progress = lambda line: None) -> int:
    """Recompute the rollups of every post of every event (after filling raw tables by other
    means than the store); returns the number of posts."""
    return _recompute(client, _every_post(client), progress)


def backfill(client: Client, progress: Progress = lambda line: None) -> int:
    """Compute the rollups of the posts that have none yet (a store from before the rollups,
    or a backfill interrupted half-way); returns the number of posts computed. The rollups of a
    post are complete once its ``post_totals`` row exists: that row is written last."""
    done = set(client.query("SELECT DISTINCT event, platform, post_id FROM post_totals").result_rows)
    return _recompute(client, [post for post in _every_post(client) if post not in done], progress)


def _every_post(client: Client) -> list[tuple[str, str, str]]:
    return [tuple(row) for row in client.query(sql(SQL, "every_post")).result_rows]


def _recompute(client: Client, found: Sequence[tuple[str, str, str]], progress: Progress) -> int:
    per_event: dict[str, list[Post]] = defaultdict(list)
    for event, platform, post_id in found:
        per_event[event].append((platform, post_id))
    done = 0
    for event, posts in sorted(per_event.items()):
        for chunk in chunked(sorted(posts), REFRESH_CHUNK):
            refresh(client, event, chunk)
            done += len(chunk)
            progress(f"  rollups: {done:,}/{len(found):,} posts recomputed")
    return len(found)
