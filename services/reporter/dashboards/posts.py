"""Posts explorer: a filterable table of the posts and the story of the one selected."""

from __future__ import annotations

from datetime import datetime

from grafana_foundation_sdk.builders import dashboard as dashboard_builders
from grafana_foundation_sdk.models import dashboard as dashboard_model

from services.reporter.dashboards import sql as q
from services.reporter.dashboards.board import filtered_dashboard, laid_out, query_variable
from services.reporter.dashboards.common import Panels, describe_figure
from services.reporter.labels import t
from shared.events import COUNTERS
from shared.metrics import RATES
from shared.registry import Registry

UID = "sada-posts"
# What the tables show of a post before its figures.
ABOUT_POST = ("platform", "post_id", "created_at", "account", "lang", "text", "url")
SELECTED = "concat(platform, ':', post_id) = ${post:singlequote}"


def rate_columns(alias: str = "") -> str:
    """Each rate of one post: its engagements over its own denominator, NULL when that is 0."""
    p = f"{alias}." if alias else ""
    return ", ".join(f"if({p}{d} > 0, {p}engagements / {p}{d}, NULL) AS {r}" for r, d in RATES.items())


POSTS = f"""SELECT f.platform AS platform, f.post_id AS post_id, f.created_at AS created_at,
       f.account AS account,
       f.lang AS lang, f.text AS text, f.url AS url, f.impressions AS impressions, f.reach AS reach,
       f.views AS views, f.engagements AS engagements, f.followers AS followers,
       {rate_columns("f")}
FROM {q.POST_FIGURES} AS f
WHERE f.declared AND $__timeFilter(f.created_at) AND {q.post_filter("f")}
ORDER BY engagements DESC, platform, post_id
LIMIT 1000"""

DETAILS = f"""SELECT platform, post_id, created_at, account, author, lang, media, text, url, followers,
       {", ".join(COUNTERS)}, engagements, {rate_columns()}
FROM {q.POST_FIGURES}
WHERE {SELECTED}"""

SERIES = f"""SELECT time, series, value
FROM
(
    SELECT at AS time, series,
           sum(change) OVER (PARTITION BY series ORDER BY at ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
               AS value
    FROM
    (
        SELECT at,
               arrayJoin(if(counter IN ({q.ENGAGEMENT_LIST}), [counter, 'engagements'], [counter])) AS series,
               change
        FROM {q.ENGAGEMENT_CHANGES}
        WHERE {SELECTED} AND counter != 'posts'
    )
)
WHERE $__timeFilter(time)
ORDER BY time, series"""


def post_variable(lang: str) -> dashboard_builders.QueryVariable:
    """The post to follow: ``platform:post_id`` as the value, the start of its text as the label; the
    500 created in the time range with the most engagements are listed, any other can be typed or
    reached from the table."""
    query = (
        f"SELECT concat(f.platform, ':', f.post_id) AS __value, "
        f"concat(f.platform, ' · ', "
        f"leftUTF8(replaceAll(ifNull(f.text, f.post_id), '\\n', ' '), 60)) AS __text "
        f"FROM {q.POST_FIGURES} AS f "
        f"WHERE f.declared AND $__timeFilter(f.created_at) AND {q.post_filter('f')} "
        f"ORDER BY f.engagements DESC, __value LIMIT 500"
    )
    return query_variable(
        "post",
        lang,
        query,
        dashboard_model.VariableRefresh.ON_TIME_RANGE_CHANGED,
        dashboard_model.VariableSort.DISABLED,
        several=False,
    ).allow_custom_value(True)


def build(
    registry: Registry, lang: str, events: list[str], now: datetime | None = None
) -> dashboard_builders.Dashboard:
    panels = Panels(lang)
    board = filtered_dashboard(
        UID, t("dash.posts", lang), lang, registry, events, refresh="1m", time_from="now-7d", now=now
    ).with_variable(post_variable(lang))
    described = " ".join(describe_figure(figure, lang) for figure in ("engagements", *RATES))
    select_post = (
        f"/d/{UID}?var-event=${{event}}&var-post=${{__data.fields.platform}}:${{__data.fields.post_id}}"
        "&${__url_time_range}"
    )
    rate_units = {r: "percentunit" for r in RATES}
    posts = panels.table(
        t("posts.table", lang),
        POSTS,
        described,
        [*ABOUT_POST, "impressions", "reach", "views", "engagements", "followers", *RATES],
        width=24,
        height=12,
        links={"post_id": (select_post, t("posts.series", lang)), **panels.url_link()},
        units=rate_units,
    )
    details = panels.table(
        t("posts.details", lang),
        DETAILS,
        described,
        [*ABOUT_POST, *COUNTERS, "engagements", "followers", *RATES],
        width=24,
        height=5,
        links=panels.url_link(),
        units=rate_units,
    )
    story = panels.timeseries(
        t("posts.series", lang),
        SERIES,
        f"{t('desc.post_series', lang)} {describe_figure('engagements', lang)}",
        width=24,
        height=10,
        min_interval="1s",
        series_name="series",
    )
    return laid_out(board, [posts, details, story])
