"""The reporter's SQL lives in ``sql/*.sql``; this loads it by name."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def sql(name: str) -> str:
    return resources.files("services.reporter.sql").joinpath(f"{name}.sql").read_text("utf-8")
