"""Panel and variable builders shared by every dashboard (grafana-foundation-sdk builders).

Each helper returns an SDK builder with a stable id, a title, a description
naming the formula behind the figure, and its targets. Table panels name the
columns they show in an ``organize`` transformation (SQL column → header), which
is also what the SQL test checks against the query's result. The dashboard around
the panels is made in ``board.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from grafana_foundation_sdk.builders import bargauge, geomap, piechart, stat, table, timeseries
from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.builders import dashboard as dashboard_builders
from grafana_foundation_sdk.builders import prometheus as prometheus_builders
from grafana_foundation_sdk.builders.stat import Panel as StatPanel  # Panels.stat hides the module
from grafana_foundation_sdk.builders.timeseries import (
    Panel as TimeseriesPanel,  # Panels.timeseries hides the module
)
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models import dashboard as dashboard_model
from grafana_foundation_sdk.models import piechart as piechart_model

from services.reporter.colours import PLATFORM_COLOURS
from services.reporter.dashboards.model import CLICKHOUSE, PROMETHEUS, SQL
from services.reporter.labels import t
from shared.metrics import RATE_FORMULAS, RATES, TOTAL_KEYS

# Units that print a figure in full, with the decimals each takes.
COUNT, RATE = "locale", "percentunit"
DECIMALS = {COUNT: 0, RATE: 2}
CLOCK = "time:HH:mm"  # Grafana's custom date format unit
# A stat's colour when nothing is wrong: the theme's text colour (readable on light and dark).
NEUTRAL = "text"

# Columns headed by a figure's own label; any other column ``x`` is headed ``col.x``.
FIGURE_COLUMNS = frozenset({*TOTAL_KEYS, "followers", *RATES})
PanelT = TypeVar("PanelT")


def formula(lang: str, text: str) -> str:
    return f"{t('desc.formula', lang)}: {text}"


def figure_label(name: str, lang: str) -> str:
    """The title of a figure (a rate's full title: ``rate.<name>``) or of a column."""
    return t(f"rate.{name}" if name in RATES else name, lang)


def column_label(column: str, lang: str) -> str:
    """The header of a table's ``column``: a figure's title, or ``col.<column>``."""
    return figure_label(column if column in FIGURE_COLUMNS else f"col.{column}", lang)


def describe_figure(name: str, lang: str) -> str:
    """The sentence naming how ``name`` (a counter, ``posts``, ``engagements`` or a rate) is computed."""
    if name in RATE_FORMULAS:
        return formula(lang, RATE_FORMULAS[name])
    if name == "posts":
        return t("desc.posts", lang)
    if name == "engagements":
        return f"{t('desc.engagements', lang)} {t('desc.counter', lang, figure=t(name, lang))}"
    return t("desc.counter", lang, figure=t(name, lang))


def thresholds(*steps: tuple[float | None, str]) -> dashboard_builders.ThresholdsConfig:
    """Absolute thresholds: (from value, colour), the first from -∞ (``None``)."""
    return (
        dashboard_builders.ThresholdsConfig()
        .mode(dashboard_model.ThresholdsMode.ABSOLUTE)
        .steps([dashboard_model.Threshold(value=value, color=colour) for value, colour in steps])
    )


def value_words(words: dict[int, tuple[str, str]]) -> list[dashboard_model.ValueMapping]:
    """Value mappings: a code → (word, colour)."""
    return [
        dashboard_model.ValueMap(
            options={
                str(code): dashboard_model.ValueMappingResult(text=word, color=colour, index=index)
                for index, (code, (word, colour)) in enumerate(words.items())
            }
        )
    ]


def _config(id_val: str, value: object) -> dashboard_model.DynamicConfigValue:
    return dashboard_model.DynamicConfigValue(id_val=id_val, value=value)


def _links(url: str, title: str) -> dashboard_model.DynamicConfigValue:
    return dashboard_model.DynamicConfigValue(
        id_val="links", value=[{"title": title, "url": url, "targetBlank": url.startswith("${__value")}]
    )


class Panels:
    """Makes the panels of one dashboard: ids in order, the language of every label."""

    def __init__(self, lang: str):
        self.lang = lang
        self._next = 0

    def _id(self) -> int:
        self._next += 1
        return self._next

    def stat(
        self,
        title: str,
        sql: str,
        description: str,
        unit: str = COUNT,
        width: int = 6,
        height: int = 5,
        percent_change: bool = False,
        colour: str = NEUTRAL,
    ) -> stat.Panel:
        """One figure in full; with ``percent_change`` the query is a time series whose first and
        last points are compared, and drawn as a sparkline behind the figure."""
        return (
            self._framed(stat.Panel(), title, description, width, height)
            .with_target(SQL(sql, "timeseries" if percent_change else "table"))
            .unit(unit)
            .decimals(DECIMALS[unit])
            .thresholds(thresholds((None, colour)))
            .color_mode(common.BigValueColorMode.VALUE)
            .graph_mode(common.BigValueGraphMode.AREA if percent_change else common.BigValueGraphMode.NONE)
            .text_mode(common.BigValueTextMode.VALUE)
            .show_percent_change(percent_change)
            .reduce_options(common_builders.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
        )

    def clock(self, title: str, sql: str, description: str, width: int = 4, height: int = 5) -> StatPanel:
        """A moment written ``hh:mm`` in the dashboard's time zone: the query's one number, in
        milliseconds since the epoch."""
        return (
            self._framed(stat.Panel(), title, description, width, height)
            .with_target(SQL(sql, "table"))
            .unit(CLOCK)
            .thresholds(thresholds((None, NEUTRAL)))
            .color_mode(common.BigValueColorMode.VALUE)
            .graph_mode(common.BigValueGraphMode.NONE)
            .text_mode(common.BigValueTextMode.VALUE)
            .no_value("—")
            .reduce_options(common_builders.ReduceDataOptions().values(False).calcs(["lastNotNull"]))
        )

    def states(
        self,
        title: str,
        sql: str,
        description: str,
        field: str,
        words: dict[int, tuple[str, str]],
        width: int = 24,
        height: int = 3,
    ) -> StatPanel:
        """One small figure per row: the code in ``field`` shown as its word and colour
        (``words``), titled by the row's text column."""
        return (
            self._framed(stat.Panel(), title, description, width, height)
            .with_target(SQL(sql, "table"))
            .unit(COUNT)
            .decimals(0)
            .thresholds(thresholds((None, NEUTRAL)))
            .mappings(value_words(words))
            .color_mode(common.BigValueColorMode.BACKGROUND)
            .graph_mode(common.BigValueGraphMode.NONE)
            .text_mode(common.BigValueTextMode.VALUE_AND_NAME)
            .orientation(common.VizOrientation.VERTICAL)
            .reduce_options(
                common_builders.ReduceDataOptions().values(True).calcs(["lastNotNull"]).fields(f"/^{field}$/")
            )
        )

    def timeseries(
        self,
        title: str,
        sql: str,
        description: str,
        unit: str = "short",
        width: int = 12,
        height: int = 8,
        min_interval: str = "1m",
        series_name: str | None = "platform",
        stack: bool = False,
    ) -> TimeseriesPanel:
        panel = (
            self._framed(timeseries.Panel(), title, description, width, height)
            .with_target(SQL(sql, "timeseries"))
            .unit(unit)
            .interval(min_interval)
            .line_width(2)
            .fill_opacity(10)
            .span_nulls(True)
            .legend(
                common_builders.VizLegendOptions()
                .show_legend(True)
                .display_mode(common.LegendDisplayMode.LIST)
                .placement(common.LegendPlacement.BOTTOM)
            )
        )
        if series_name == "platform":
            self.platform_colours(panel)
        elif series_name:
            panel.display_name(f"${{__field.labels.{series_name}}}")
        if stack:
            panel.stacking(common_builders.StackingConfig().mode(common.StackingMode.NORMAL))
        return panel

    def platform_colours(self, panel: TimeseriesPanel) -> TimeseriesPanel:
        """Each platform's series named by its ``platform`` label, then titled and coloured."""
        panel.with_transformation(
            dashboard_model.DataTransformerConfig(
                id_val="labelsToFields", options={"mode": "columns", "valueLabel": "platform"}
            )
        )
        for platform, hex_colour in PLATFORM_COLOURS.items():
            panel.override_by_name(
                platform,
                [
                    _config("displayName", t(f"platform.{platform}", self.lang)),
                    _config("color", {"mode": "fixed", "fixedColor": hex_colour}),
                ],
            )
        return panel

    def table(
        self,
        title: str,
        sql: str,
        description: str,
        columns: Sequence[str],
        width: int = 12,
        height: int = 8,
        links: dict[str, tuple[str, str]] | None = None,
        units: dict[str, str] | None = None,
    ) -> table.Panel:
        """``columns``: the SQL columns shown, in order, each headed by :func:`column_label`;
        ``links``: column → (url, title); ``units``: column → unit (numbers print in full
        otherwise; a rate's column is a percentage with two decimals)."""
        panel = (
            self._framed(table.Panel(), title, description, width, height)
            .with_target(SQL(sql, "table"))
            .unit(COUNT)
            .filterable(True)
            .with_transformation(
                dashboard_model.DataTransformerConfig(
                    id_val="organize",
                    options={
                        "renameByName": {column: column_label(column, self.lang) for column in columns},
                        "indexByName": {column: index for index, column in enumerate(columns)},
                        "excludeByName": {},
                    },
                )
            )
        )
        for column, (url, link_title) in (links or {}).items():
            panel.override_by_name(column, [_links(url, link_title)])
        for column, unit in ({r: RATE for r in RATES if r in columns} | (units or {})).items():
            properties = [_config("unit", unit)]
            if unit in DECIMALS or unit.startswith("suffix:"):
                properties.append(_config("decimals", DECIMALS.get(unit, 1)))
            panel.override_by_name(column, properties)
        return panel

    def url_link(self) -> dict[str, tuple[str, str]]:
        """A table's ``links`` entry that opens the row's ``url``."""
        return {"url": ("${__value.raw}", t("col.url", self.lang))}

    def geomap(
        self,
        title: str,
        sql: str,
        description: str,
        lookup: str,
        size: str,
        width: int = 12,
        height: int = 10,
        label: str | None = None,
    ) -> geomap.Panel:
        """Markers placed by the ISO country code in ``lookup``, sized by ``size`` and labelled
        with the ``label`` column (the size's figure without one)."""
        layer = (
            common_builders.MapLayerOptions()
            .type("markers")
            .name(title)
            .tooltip(True)
            .location(
                common_builders.FrameGeometrySource()
                .mode(common.FrameGeometrySourceMode.LOOKUP)
                .lookup(lookup)
                .gazetteer("public/gazetteer/countries.json")
            )
            .config(
                {
                    "showLegend": True,
                    "style": {
                        "size": {"field": size, "fixed": 5, "min": 4, "max": 30},
                        "color": {"fixed": "dark-green"},
                        "opacity": 0.6,
                        "text": {"field": label or size, "fixed": "", "mode": "field"},
                        "textConfig": {
                            "fontSize": 10,
                            "offsetY": -12,
                            "textAlign": "center",
                            "textBaseline": "middle",
                        },
                    },
                }
            )
        )
        return (
            self._framed(geomap.Panel(), title, description, width, height)
            .with_target(SQL(sql, "table"))
            .view(geomap.MapViewConfig().id("zero").lat(20).lon(0).zoom(1.5))  # type: ignore[arg-type]  # Grafana takes a fractional zoom; the SDK says int
            .basemap(common_builders.MapLayerOptions().type("default").name("basemap"))
            .layers([layer])
        )

    def piechart(
        self, title: str, sql: str, description: str, value: str, width: int = 6, height: int = 10
    ) -> piechart.Panel:
        """One slice per row: the row's first text column names it, ``value`` sizes it."""
        pie = self._one_per_row(piechart.Panel(), title, sql, description, value, width, height)
        return pie.pie_type(piechart_model.PieChartType.DONUT)

    def bargauge(
        self, title: str, sql: str, description: str, value: str, width: int = 6, height: int = 10
    ) -> bargauge.Panel:
        """One bar per row: the row's first text column names it, ``value`` is its length."""
        bars = self._one_per_row(bargauge.Panel(), title, sql, description, value, width, height)
        return (
            bars.unit(COUNT)
            .decimals(0)
            .thresholds(thresholds((None, "blue")))
            .orientation(common.VizOrientation.HORIZONTAL)
        )

    def prometheus(
        self,
        title: str,
        queries: Sequence[tuple[str, str]],
        description: str,
        unit: str = "short",
        width: int = 12,
        height: int = 8,
    ) -> TimeseriesPanel:
        panel = (
            self._framed(timeseries.Panel(), title, description, width, height, PROMETHEUS)
            .unit(unit)
            .line_width(2)
            .fill_opacity(10)
        )
        for index, (expr, legend) in enumerate(queries):
            panel.with_target(
                prometheus_builders.Dataquery()
                .ref_id(chr(ord("A") + index))
                .expr(expr)
                .legend_format(legend)
                .range()
                .datasource(PROMETHEUS)
            )
        return panel

    def _framed(
        self, panel: PanelT, title: str, description: str, width: int, height: int, source: Any = CLICKHOUSE
    ) -> PanelT:
        """``panel`` with what every panel has: its id, title, description, data source and size."""
        builder: Any = panel  # the SDK's panel builders all have these setters, but no common base
        builder.id(self._id()).title(title).description(description).datasource(source)
        builder.span(width).height(height)
        return panel

    def _one_per_row(
        self, panel: PanelT, title: str, sql: str, description: str, value: str, width: int, height: int
    ) -> PanelT:
        """``panel`` framed, with a table query of which every row's ``value`` is shown."""
        builder: Any = self._framed(panel, title, description, width, height)
        builder.with_target(SQL(sql, "table")).reduce_options(
            common_builders.ReduceDataOptions().values(True).calcs(["lastNotNull"]).fields(f"/^{value}$/")
        )
        return panel

    def row(self, title: str) -> dashboard_builders.Row:
        return dashboard_builders.Row(title).id(self._id())
