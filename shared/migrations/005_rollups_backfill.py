"""The rollups of what a store held before ``004_rollups.sql`` created them.

A data backfill, kept apart from the tables it fills: on a fresh store it finds no
post and takes a moment; on a store with data it computes every post that has no
rollups yet, with progress. It is safe to interrupt: a post's rollups are complete
once its ``post_totals`` row exists, so a second run computes only the rest.
"""

from __future__ import annotations

from clickhouse_connect.driver.client import Client

from shared import rollups
from shared.progress import Progress


def apply(client: Client, progress: Progress) -> None:
    rollups.backfill(client, progress)
