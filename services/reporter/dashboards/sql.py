"""SQL for panels: the reporter's own queries with their parameters filled in, and the filters.

Panels reuse what the reporter runs — the parameterized views ``post_figures``
and ``engagement_changes`` and the files of ``services/reporter/sql`` — so the
dashboards and the summary print the same numbers. The reporter passes those
files ClickHouse query parameters (``{event:String}``); the Grafana plugin has
no such thing, so :func:`inline` writes each parameter as a literal or as a
plugin macro / dashboard variable (``$__toTime``, ``${event:singlequote}``).

Dashboard variables are the only values spliced into SQL, and Grafana quotes
them (``:singlequote``); everything else is a literal written here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from services.reporter.dashboards.queries import PANELS
from services.reporter.sql import QUERIES
from shared.metrics import ENGAGEMENT_COUNTERS
from shared.registry import Registry
from shared.sqlfiles import sql

# The dashboard variables as the plugin expands them.
EVENT = "${event:singlequote}"
POST_FIGURES = f"post_figures(event = {EVENT})"
ENGAGEMENT_CHANGES = f"engagement_changes(event = {EVENT})"
ENGAGEMENT_LIST = ", ".join(f"'{c}'" for c in ENGAGEMENT_COUNTERS)


@dataclass(frozen=True)
class Raw:
    """SQL written as it is (a macro, a variable, an expression) in place of a parameter."""

    text: str


_PARAMETER = re.compile(r"\{(\w+):([^{}]+)\}")


def string(value: str) -> str:
    """A ClickHouse string literal. ``$`` and ``[[`` are escaped too, so Grafana never sees a
    variable in it."""
    escaped = value.replace("\\", "\\\\").replace("'", "\\'").replace("$", "\\x24").replace("[[", "\\x5B[")
    return f"'{escaped}'"


def literal(value: object, kind: str) -> str:
    """``value`` as a ClickHouse literal of type ``kind`` (the parameter's declared type)."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return string(value)
    if isinstance(value, datetime):
        return f"toDateTime64({value.astimezone(UTC).timestamp():.6f}, 6, 'UTC')"
    if isinstance(value, (list, tuple)):
        inner = kind.removeprefix("Array(").removesuffix(")")
        return f"CAST([{', '.join(literal(v, inner) for v in value)}], {string(kind)})"
    raise TypeError(f"no SQL literal for {type(value).__name__}")


def strip_comments(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.strip().startswith("--")).strip()


def inline(text: str, **values: object) -> str:
    """``text`` with every ``{name:Type}`` parameter replaced by ``values[name]``; comments dropped."""
    missing = sorted({m.group(1) for m in _PARAMETER.finditer(text)} - set(values))
    if missing:
        raise KeyError(f"no value for parameter(s) {', '.join(missing)}")
    return _PARAMETER.sub(lambda m: literal(values[m.group(1)], m.group(2)), strip_comments(text))


def reporter(name: str, **values: object) -> str:
    """One of the reporter's queries (``services/reporter/sql/<name>.sql``), ready for a panel."""
    return inline(sql(QUERIES, name), **values)


def panel_query(name: str, **values: object) -> str:
    """One of the dashboards' own queries (``services/reporter/dashboards/queries/<name>.sql``)."""
    return inline(sql(PANELS, name), **values)


def platform_filter(column: str = "platform") -> str:
    return f"$__conditionalAll({column} IN (${{platform:singlequote}}), $platform)"


def lang_filter(column: str = "lang") -> str:
    return f"$__conditionalAll({column} IN (${{lang:singlequote}}), $lang)"


def post_filter(alias: str) -> str:
    """Rows of ``post_figures`` kept by the platform and language variables."""
    return f"{platform_filter(f'{alias}.platform')} AND {lang_filter(f'{alias}.lang')}"


def change_filter(alias: str) -> str:
    """Rows of ``engagement_changes`` kept by the platform and language variables (the language
    is the post's, read from ``post_figures``)."""
    by_lang = (
        f"({alias}.platform, {alias}.post_id) IN (SELECT platform, post_id FROM {POST_FIGURES} "
        f"WHERE lang IN (${{lang:singlequote}}))"
    )
    return f"{platform_filter(f'{alias}.platform')} AND $__conditionalAll({by_lang}, $lang)"


def choice(column: str, mapping: dict[str, str], default: str | None = None) -> str:
    """``column`` mapped through ``mapping`` (``transform`` with literals); other values are
    kept, or become the string ``default``."""
    otherwise = column if default is None else string(default)
    if not mapping:
        return otherwise
    keys = ", ".join(string(k) for k in mapping)
    names = ", ".join(string(v) for v in mapping.values())
    return f"transform({column}, [{keys}], [{names}], {otherwise})"


AGENDA_TYPE = "Array(Tuple(String, String, String, String, String, Int64, Int64))"


def agenda(registry: Registry, lang: str) -> str:
    """Every registered agenda session as rows (event, session_id, title, room, speakers, starts, ends).

    The store has no agenda table (the agenda lives in the event registry, a
    file the reporter reads), so the sessions are written into the panel's SQL
    as a literal array when the dashboards are exported; re-export after
    changing the registry.
    """
    rows = []
    for event in registry.events.values():
        for s in event.agenda:
            rows.append(
                "("
                + ", ".join(
                    (
                        string(event.slug),
                        string(s.id),
                        string(s.title(lang)),
                        string(s.room or ""),
                        string(", ".join(s.speakers)),
                        str(int(s.start.timestamp())),
                        str(int(s.end.timestamp())),
                    )
                )
                + ")"
            )
    array = f"CAST([{', '.join(rows)}], {string(AGENDA_TYPE)})"
    return (
        f"SELECT s.1 AS event, s.2 AS session_id, s.3 AS title, s.4 AS room, s.5 AS speakers, "
        f"toDateTime(s.6, 'UTC') AS starts, toDateTime(s.7, 'UTC') AS ends "
        f"FROM (SELECT arrayJoin({array}) AS s)"
    )


def counters_in(counters: Sequence[str]) -> str:
    return ", ".join(f"'{c}'" for c in counters)
