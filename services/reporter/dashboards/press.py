"""Press coverage: articles over time, on a map by country (each marker named in the
dashboard's language, from the label catalogue's ``country.<ISO code>``), by outlet and by
language."""

from __future__ import annotations

from datetime import UTC, datetime

from grafana_foundation_sdk.builders import dashboard as dashboard_builders

from services.reporter.dashboards import sql as q
from services.reporter.dashboards.board import dashboard, event_variable, laid_out, opening_event, zone_of
from services.reporter.dashboards.common import Panels
from services.reporter.labels import CATALOGUE, t
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


def by_country(lang: str) -> str:
    """Articles by country: the ISO code the map places, and the country's name in ``lang``
    (a code the catalogue lacks stays a code)."""
    names = {
        key.removeprefix("country."): t(key, lang)
        for key in sorted(CATALOGUE["en"])
        if key.startswith("country.")
    }
    return f"""SELECT country, {q.choice("country", names)} AS name, articles, audience
FROM ({by("country", "country")})
ORDER BY articles DESC, country"""


OVER_TIME = f"""SELECT $__timeInterval(published_at) AS time, count() AS articles
FROM mentions FINAL
WHERE event = {q.EVENT} AND $__timeFilter(published_at)
GROUP BY time
ORDER BY time"""


def build(
    registry: Registry, lang: str, events: list[str], now: datetime | None = None
) -> dashboard_builders.Dashboard:
    now = now or datetime.now(UTC)
    zone = zone_of(registry, opening_event(registry, events, now))
    board = dashboard(
        UID, t("dash.press", lang), lang, refresh="1m", time_from="now-30d", timezone=zone
    ).with_variable(event_variable(registry, lang, events, now))
    panels = Panels(lang)
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
                by_country(lang),
                described,
                lookup="country",
                size="articles",
                label="name",
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
