"""The frame of a dashboard: its settings, its variables, and the placing of its panels.

A dashboard is its frame (``dashboard`` or ``filtered_dashboard``) and a list of panels and
rows made by :class:`~services.reporter.dashboards.common.Panels`, placed in order by ``laid_out``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from grafana_foundation_sdk.builders import dashboard as dashboard_builders
from grafana_foundation_sdk.cog import builder as cog_builder
from grafana_foundation_sdk.models import dashboard as dashboard_model

from services.reporter.dashboards import sql as q
from services.reporter.dashboards.model import CLICKHOUSE
from services.reporter.labels import t
from shared.registry import Registry

TAGS = ["sada"]


def dashboard(
    uid: str, title: str, lang: str, refresh: str = "1m", time_from: str = "now-24h", description: str = ""
) -> dashboard_builders.Dashboard:
    return (
        dashboard_builders.Dashboard(title)
        .uid(uid)
        .tags([*TAGS, lang])
        .description(description)
        .refresh(refresh)
        .time(time_from, "now")
        .timezone("browser")
        .readonly()
        .tooltip(dashboard_model.DashboardCursorSync.CROSSHAIR)
        .timepicker(dashboard_builders.TimePicker().refresh_intervals(["10s", "30s", "1m", "5m", "15m"]))
    )


def filtered_dashboard(
    uid: str, title: str, lang: str, registry: Registry, events: Sequence[str], refresh: str, time_from: str
) -> dashboard_builders.Dashboard:
    """A dashboard with the event, platform and post-language variables, in that order."""
    return (
        dashboard(uid, title, lang, refresh=refresh, time_from=time_from)
        .with_variable(event_variable(registry, lang, events))
        .with_variable(platform_variable(lang))
        .with_variable(lang_variable(lang))
    )


def laid_out(
    board: dashboard_builders.Dashboard,
    items: Iterable[dashboard_builders.Row | cog_builder.Builder[dashboard_model.Panel]],
) -> dashboard_builders.Dashboard:
    """``board`` with ``items`` (panels, and rows that start a new band) placed in order."""
    for item in items:
        if isinstance(item, dashboard_builders.Row):
            board.with_row(item)
        else:
            board.with_panel(item)
    return board


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
    registry: Registry, lang: str, events: Sequence[str] = ()
) -> dashboard_builders.QueryVariable:
    """Every event the store holds a record for: the slug is the value, the registry's name in
    ``lang`` the text (the plugin reads a two-column answer as value, text)."""
    names = {slug: event.name(lang) for slug, event in sorted(registry.events.items())}
    query = (
        f"SELECT event AS __value, {q.choice('event', names)} AS __text "
        f"FROM ({q.reporter('events')}) ORDER BY event"
    )
    variable = query_variable(
        "event",
        lang,
        query,
        dashboard_model.VariableRefresh.ON_DASHBOARD_LOAD,
        dashboard_model.VariableSort.DISABLED,
        several=False,
    )
    first = next(iter(sorted(events)), None) or next(iter(sorted(registry.events)), None)
    if first:
        variable.current(dashboard_model.VariableOption(text=names.get(first, first), value=first))
    return variable


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
