"""SQL lives in ``.sql`` files beside the code that runs it; this reads them, once each.

``$engagements`` in a file stands for the one definition of an engagement
(``shared.metrics.ENGAGEMENTS_SQL``, over columns named as the counters), so no file writes
the sum again.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from shared.metrics import ENGAGEMENTS_SQL

PLACEHOLDERS = {"$engagements": f"({ENGAGEMENTS_SQL})"}


def expand(text: str) -> str:
    for placeholder, value in PLACEHOLDERS.items():
        text = text.replace(placeholder, value)
    return text


@cache
def sql(package: str, name: str) -> str:
    """The text of ``<name>.sql`` in ``package`` (dotted, like ``shared.rollup_sql``)."""
    return expand(resources.files(package).joinpath(f"{name}.sql").read_text("utf-8"))
