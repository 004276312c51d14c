"""The frame of a dashboard: its settings, its variables, and the placing of its panels.

A dashboard is its frame (``dashboard`` or ``filtered_dashboard``) and a list of panels and
rows made by :class:`~services.reporter.dashboards.common.Panels`, placed in order by ``laid_out``
on Grafana's 24-column grid (it wraps a panel that would cross column 24; the SDK's own placing
does not). A dashboard shows the times of the event it opens on in that event's time zone (the
registry's), not the browser's: the wall screen of a Casablanca event reads Casablanca time on a
laptop set to Paris.

The event a dashboard opens on is the one running now, else the latest to start (the
registry's dates): chosen when the dashboards are exported, and the event variable lists the
events in that order so that a fresh load of the list agrees.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from grafana_foundation_sdk.builders import dashboard as dashboard_builders
from grafana_foundation_sdk.cog import builder as cog_builder
from grafana_foundation_sdk.models import dashboard as dashboard_model

from services.reporter.dashboards import sql as q
from services.reporter.dashboards.model import CLICKHOUSE
from services.reporter.labels import t
from shared.registry import Registry

TAGS = ["sada"]
GRID_COLUMNS = 24


def opening_event(registry: Registry, events: Sequence[str], now: datetime) -> str | None:
    """The event a dashboard opens on: the one running at ``now`` (the latest to start if several
    overlap), else the latest to start, else the last stored event by slug."""
    dated = [e for e in registry.events.values() if e.start is not None]
    running = [e for e in dated if e.start is not None and e.start <= now and (e.end is None or now <= e.end)]
    for candidates in (running, dated):
        if candidates:
            return max(candidates, key=lambda e: (e.start, e.slug)).slug
    known = sorted(set(events) | set(registry.events))
    return known[-1] if known else None


def zone_of(registry: Registry, slug: str | None) -> str:
    """The IANA time zone a dashboard opened on ``slug`` shows its times in."""
    return registry.get(slug).timezone if slug else "utc"


def dashboard(
    uid: str,
    title: str,
    lang: str,
    refresh: str = "1m",
    time_from: str = "now-24h",
    description: str = "",
    timezone: str = "utc",
) -> dashboard_builders.Dashboard:
    return (
        dashboard_builders.Dashboard(title)
        .uid(uid)
        .tags([*TAGS, lang])
        .description(description)
        .refresh(refresh)
        .time(time_from, "now")
        .timezone(timezone)
        .readonly()
        .tooltip(dashboard_model.DashboardCursorSync.CROSSHAIR)
        .timepicker(dashboard_builders.TimePicker().refresh_intervals(["10s", "30s", "1m", "5m", "15m"]))
    )


def filtered_dashboard(
    uid: str,
    title: str,
    lang: str,
    registry: Registry,
    events: Sequence[str],
    refresh: str,
    time_from: str,
    now: datetime | None = None,
) -> dashboard_builders.Dashboard:
    """A dashboard with the event, platform and post-language variables, in that order, in the
    time zone of the event it opens on."""
    now = now or datetime.now(UTC)
    zone = zone_of(registry, opening_event(registry, events, now))
    return (
        dashboard(uid, title, lang, refresh=refresh, time_from=time_from, timezone=zone)
        .with_variable(event_variable(registry, lang, events, now))
        .with_variable(platform_variable(lang))
        .with_variable(lang_variable(lang))
    )


PanelBuilder = cog_builder.Builder[dashboard_model.Panel]


@dataclass(frozen=True)
class Stack:
    """Panels one above the other in one slot of a band (their widths are the slot's)."""

    panels: Sequence[PanelBuilder]


def laid_out(
    board: dashboard_builders.Dashboard,
    items: Iterable[dashboard_builders.Row | PanelBuilder | Stack],
) -> dashboard_builders.Dashboard:
    """``board`` with ``items`` placed in order, left to right in bands: a panel that would
    cross column 24 starts the next band (below the band's tallest panel); a row starts a band
    of its own; a :class:`Stack` fills one slot top to bottom."""
    x = band_top = band_bottom = 0
    for item in items:
        if isinstance(item, dashboard_builders.Row):
            item.grid_pos(dashboard_model.GridPos(h=1, w=GRID_COLUMNS, x=0, y=band_bottom))
            board.with_row(item)
            x, band_top = 0, band_bottom + 1
            band_bottom = band_top
            continue
        column = list(item.panels) if isinstance(item, Stack) else [item]
        width = max(_size(panel)[0] for panel in column)
        if x + width > GRID_COLUMNS:
            x, band_top = 0, band_bottom
        y = band_top
        for panel in column:
            w, h = _size(panel)
            panel_at = panel.build().grid_pos
            if panel_at is None:
                raise ValueError("a panel to lay out needs its size (span and height)")
            panel_at.x, panel_at.y = x, y
            board.with_panel(panel)
            y += h
        x += width
        band_bottom = max(band_bottom, y)
    return board


def _size(panel: PanelBuilder) -> tuple[int, int]:
    at = panel.build().grid_pos
    if at is None or at.w > GRID_COLUMNS:
        raise ValueError("a panel to lay out needs a width of at most 24 columns and a height")
    return at.w, at.h


def query_variable(
    name: str,
    lang: str,
    query: str,
    refresh: dashboard_model.VariableRefresh,
    sort: dashboard_model.VariableSort,
    several: bool,
) -> dashboard_builders.QueryVariable:
    """A variable answered by a ClickHouse ``query``, labelled ``var.<name>``; ``several``: more
    than one value at once, or All."""
    return (
        dashboard_builders.QueryVariable(name)
        .label(t(f"var.{name}", lang))
        .datasource(CLICKHOUSE)
        .query(query)
        .refresh(refresh)
        .sort(sort)
        .multi(several)
        .include_all(several)
    )


def event_variable(
    registry: Registry, lang: str, events: Sequence[str] = (), now: datetime | None = None
) -> dashboard_builders.QueryVariable:
    """Every event the store holds a record for: the slug is the value, the registry's name in
    ``lang`` the text (the plugin reads a two-column answer as value, text). Listed and selected
    by :func:`opening_event`'s rule: running now first, then the latest to start."""
    now = now or datetime.now(UTC)
    names = {slug: event.name(lang) for slug, event in sorted(registry.events.items())}
    dated = {slug: e for slug, e in sorted(registry.events.items()) if e.start is not None}
    starts = {slug: str(int(e.start.timestamp())) for slug, e in dated.items() if e.start}
    ends = {slug: str(int(e.end.timestamp())) if e.end else "4102444800" for slug, e in dated.items()}
    start, end = _numbers("event", starts), _numbers("event", ends)
    query = (
        f"SELECT event AS __value, {q.choice('event', names)} AS __text "
        f"FROM ({q.reporter('events')}) "
        f"ORDER BY {start} <= toUnixTimestamp(now()) AND toUnixTimestamp(now()) <= {end} DESC, "
        f"{start} DESC, event DESC"
    )
    variable = query_variable(
        "event",
        lang,
        query,
        dashboard_model.VariableRefresh.ON_DASHBOARD_LOAD,
        dashboard_model.VariableSort.DISABLED,
        several=False,
    )
    first = opening_event(registry, events, now)
    if first:
        variable.current(dashboard_model.VariableOption(text=names.get(first, first), value=first))
    return variable


def _numbers(column: str, mapping: dict[str, str]) -> str:
    """``column`` mapped to the integers of ``mapping`` (0 for any other value)."""
    if not mapping:
        return "0"
    keys = ", ".join(q.string(k) for k in mapping)
    return f"transform({column}, [{keys}], [{', '.join(mapping.values())}], 0)"


def platform_variable(lang: str) -> dashboard_builders.QueryVariable:
    """The platforms the event has posts on; several at once, or All."""
    return query_variable(
        "platform",
        lang,
        f"SELECT DISTINCT platform FROM {q.POST_FIGURES} ORDER BY platform",
        dashboard_model.VariableRefresh.ON_DASHBOARD_LOAD,
        dashboard_model.VariableSort.ALPHABETICAL_ASC,
        several=True,
    ).current(_all())


def lang_variable(lang: str) -> dashboard_builders.CustomVariable:
    """The language of the posts to count (the posts' ``lang``); several at once, or All."""
    return (
        dashboard_builders.CustomVariable("lang")
        .label(t("var.lang", lang))
        .values("ar,fr,en")
        .multi(True)
        .include_all(True)
        .options(
            [dashboard_model.VariableOption(text=v, value=v, selected=False) for v in ("ar", "fr", "en")]
        )
        .current(_all())
    )


def _all() -> dashboard_model.VariableOption:
    """The selection of every value (Grafana's All)."""
    return dashboard_model.VariableOption(text=["All"], value=["$__all"])
