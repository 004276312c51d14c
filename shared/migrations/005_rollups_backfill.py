"""Formerly the backfill of the recomputed rollups (004), which migration 009 replaced by the
rollups kept by delta; their backfill is ``010_rollups_backfill.py``. Kept, doing nothing, so the
numbers stay as stores recorded them."""

from __future__ import annotations

from clickhouse_connect.driver.client import Client

from shared.progress import Progress


def apply(client: Client, progress: Progress) -> None:
    """Nothing: 010 computes the rollups of whatever the store holds."""
