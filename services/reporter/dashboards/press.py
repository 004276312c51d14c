"""Press coverage: articles over time, on a map by country, by outlet and by language."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as dashboard_builders

from services.reporter.dashboards import sql as q
from services.reporter.dashboards.board import dashboard, event_variable, laid_out
from services.reporter.dashboards.common import Panels
from services.reporter.labels import t
from shared.registry import Registry

UID = "sada-press"


def mentions_figure(figure: str) -> str:
    """One figure of ``mentions.sql`` (articles, outlets, countries): the summary's ``mentions`` block."""
    return f"SELECT {figure} FROM ({q.reporter('mentions', event=q.Raw(q.EVENT))})"


def by(dimension: str, column: str) -> str:
    """``mention_breakdown.sql`` for one dimension (outlet, country, lang), unnamed values left out."""
    breakdown = q.reporter("mention_breakdown", event=q.Raw(q.EVENT), dimension=dimension, limit=1000)
    return f"""SELECT key AS {column}, articles, audience
FROM ({breakdown})
WHERE key != ''
ORDER BY articles DESC, {column}"""


OVER_TIME = f"""SELECT $__timeInterval(published_at) AS time, count() AS articles
FROM mentions FINAL
WHERE event = {q.EVENT} AND $__timeFilter(published_at)
GROUP BY time
ORDER BY time"""


def build(registry: Registry, lang: str, events: list[str]) -> dashboard_builders.Dashboard:
    panels = Panels(lang)
    board = dashboard(UID, t("dash.press", lang), lang, refresh="1m", time_from="now-30d").with_variable(
        event_variable(registry, lang, events)
    )
    described = t("desc.press", lang)
    figures = [
        panels.stat(t(f"press.{figure}", lang), mentions_figure(figure), described, width=8, height=5)
        for figure in ("articles", "outlets", "countries")
    ]
    return laid_out(
        board,
        [
            *figures,
            panels.timeseries(
                t("press.over_time", lang),
                OVER_TIME,
                described,
                width=24,
                min_interval="1h",
                series_name=None,
            ),
            panels.geomap(
                t("press.map", lang),
                by("country", "country"),
                described,
                lookup="country",
                size="articles",
                height=12,
            ),
            panels.table(
                t("press.outlet", lang),
                by("outlet", "outlet"),
                described,
                ["outlet", "articles", "audience"],
                width=6,
                height=12,
            ),
            panels.piechart(
                t("press.lang", lang), by("lang", "lang"), described, value="articles", width=6, height=12
            ),
        ],
    )
