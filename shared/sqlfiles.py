"""SQL lives in ``.sql`` files beside the code that runs it; this reads them, once each."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def sql(package: str, name: str) -> str:
    """The text of ``<name>.sql`` in ``package`` (dotted, like ``shared.rollup_sql``)."""
    return resources.files(package).joinpath(f"{name}.sql").read_text("utf-8")
