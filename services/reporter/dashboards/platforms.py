"""Platforms: every counter and every engagement rate per platform over time, and the totals."""

from __future__ import annotations

from datetime import datetime

from grafana_foundation_sdk.builders import dashboard as dashboard_builders
from grafana_foundation_sdk.builders import timeseries

from services.reporter.dashboards import sql as q
from services.reporter.dashboards.board import filtered_dashboard, laid_out
from services.reporter.dashboards.common import Panels, describe_figure, figure_label
from services.reporter.labels import t
from shared.events import COUNTERS
from shared.metrics import ENGAGEMENT_COUNTERS, RATES, TOTAL_KEYS
from shared.registry import Registry

UID = "sada-platforms"


def counter_series(figure: str) -> str:
    """The changes of one counter (or of posts, or of engagements) per interval and platform."""
    counters = ENGAGEMENT_COUNTERS if figure == "engagements" else (figure,)
    return f"""SELECT $__timeInterval(c.at) AS time, c.platform AS platform, sum(c.change) AS {figure}
FROM {q.ENGAGEMENT_CHANGES} AS c
WHERE $__timeFilter(c.at) AND c.counter IN ({q.counters_in(counters)}) AND {q.change_filter("c")}
GROUP BY time, platform
ORDER BY time, platform"""


def rate_series(rate: str) -> str:
    """One engagement rate per interval and platform, by the rules of ``series.sql``: Σ engagement
    changes / Σ denominator changes over the posts whose total denominator is > 0; by followers,
    the followers of the posts whose engagements changed in the interval."""
    if rate == "by_followers":
        value = (
            "if(sumIf(followers, followers > 0 AND n_engagements != 0) > 0, "
            "sumIf(n_engagements, followers > 0) / sumIf(followers, followers > 0 AND n_engagements != 0), "
            "NULL)"
        )
    else:
        denominator = RATES[rate]
        has = f"has_{denominator}"
        value = (
            f"if(sumIf(n_{denominator}, {has}) > 0, "
            f"sumIf(n_engagements, {has}) / sumIf(n_{denominator}, {has}), NULL)"
        )
    return f"""WITH
    denominators AS (
        SELECT platform, post_id, impressions > 0 AS has_impressions, reach > 0 AS has_reach,
               views > 0 AS has_views, followers
        FROM {q.POST_FIGURES}
    ),
    per_post AS (
        SELECT $__timeInterval(c.at) AS time, c.platform AS platform, c.post_id AS post_id,
               sumIf(c.change, c.counter = 'impressions') AS n_impressions,
               sumIf(c.change, c.counter = 'reach') AS n_reach,
               sumIf(c.change, c.counter = 'views') AS n_views,
               sumIf(c.change, c.counter IN ({q.ENGAGEMENT_LIST})) AS n_engagements,
               any(d.has_impressions) AS has_impressions,
               any(d.has_reach) AS has_reach,
               any(d.has_views) AS has_views,
               any(d.followers) AS followers
        FROM {q.ENGAGEMENT_CHANGES} AS c
        LEFT JOIN denominators AS d ON d.platform = c.platform AND d.post_id = c.post_id
        WHERE $__timeFilter(c.at) AND {q.change_filter("c")}
        GROUP BY time, platform, post_id
    )
SELECT time, platform, {value} AS {rate}
FROM per_post
GROUP BY time, platform
ORDER BY time, platform"""


def totals() -> str:
    """``queries/platform_totals.sql``: the whole event by platform — the summary's ``platforms``
    block — keeping the platforms the variable selects. (Its own query, not ``breakdown.sql``
    with every other dimension's arguments written in as dead literals.)"""
    return f"""SELECT *
FROM ({q.panel_query("platform_totals", event=q.Raw(q.EVENT))})
WHERE {q.platform_filter("platform")}
ORDER BY engagements DESC, platform"""


def over_time(panels: Panels, name: str) -> timeseries.Panel:
    """The panel of one figure (posts, a counter or engagements: its changes) or one rate per
    interval and platform."""
    lang, rate = panels.lang, name in RATES
    return panels.timeseries(
        t(
            "platforms.rate_per_bucket" if rate else "platforms.per_bucket",
            lang,
            figure=figure_label(name, lang),
        ),
        rate_series(name) if rate else counter_series(name),
        f"{describe_figure(name, lang)} {t('desc.rate_bucket' if rate else 'desc.series', lang)}",
        unit="percentunit" if rate else "short",
        width=12 if rate else 24 if name == "engagements" else 8,
        height=8,
        min_interval="1h" if rate else "5m",
    )


def build(
    registry: Registry, lang: str, events: list[str], now: datetime | None = None
) -> dashboard_builders.Dashboard:
    """Nine counters three to a band, engagements across the width, the four rates two to a
    band, and the totals."""
    panels = Panels(lang)
    board = filtered_dashboard(
        UID, t("dash.platforms", lang), lang, registry, events, refresh="1m", time_from="now-24h", now=now
    )
    series = [over_time(panels, name) for name in (*TOTAL_KEYS, *RATES)]
    description = " ".join(
        [t("desc.totals", lang), *(describe_figure(name, lang) for name in ("engagements", *RATES))]
    )
    totals_table = panels.table(
        t("platforms.totals", lang),
        totals(),
        description,
        ["platform", "posts", *COUNTERS, "engagements", *RATES],
        width=24,
        height=8,
    )
    return laid_out(board, [*series, totals_table])
