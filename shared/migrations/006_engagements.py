"""``engagements`` as a column of the rollups, computed from the one definition of an
engagement (``shared.metrics.ENGAGEMENT_COUNTERS``), so no query writes the sum again.

An ALIAS column: computed when read, so it holds no data to fill and is exact on an
existing store at once. Its type is the type of the sum it replaces (changes are Int64,
totals UInt64). Changing the definition takes a new migration (``MODIFY COLUMN``).
"""

from __future__ import annotations

from clickhouse_connect.driver.client import Client

from shared.metrics import ENGAGEMENTS_SQL
from shared.progress import Progress

TYPES = {"post_minutes": "Int64", "post_hours": "Int64", "post_totals": "UInt64"}


def apply(client: Client, progress: Progress) -> None:
    for table, kind in TYPES.items():
        client.command(
            f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS engagements {kind} ALIAS {ENGAGEMENTS_SQL}"
        )
