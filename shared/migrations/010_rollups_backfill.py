"""The rollups by delta (009) of what a store held before them, computed from its raw tables.

A data backfill, with progress (one line per event): on a fresh store it finds no event; on a
store written by the previous version (recomputed rollups, 004-008) it computes every event.
Safe to interrupt: the migration is recorded only once it is done, and it starts again from an
empty ``rollups`` table. It runs before the aggregator writes (``open_store`` migrates first),
so no batch's deltas are lost to the truncation.
"""

from __future__ import annotations

from clickhouse_connect.driver.client import Client

from shared import rollups
from shared.progress import Progress


def apply(client: Client, progress: Progress) -> None:
    progress("  rollups: computing the rollups by delta from the raw tables (migration 010)")
    events = rollups.rebuild(client, progress)
    progress(f"  rollups: {events:,} events computed")
