"""Live event: the wall screen during the event (10 s refresh).

Big figures with their change over the last hour, activity per minute by
platform, the posts of the moment, trending hashtags, the agenda session under
way and the spikes ``trends.sql`` flags.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as dashboard_builders

from services.reporter.dashboards import sql as q
from services.reporter.dashboards.board import filtered_dashboard, laid_out
from services.reporter.dashboards.common import Panels, describe_figure, figure_label
from services.reporter.labels import t
from shared.registry import Registry

UID = "sada-live"
# trends.sql / trending_hashtags.sql settings of the wall screen: the reporter's API defaults.
WINDOW_S, BASELINE_S, THRESHOLD, MIN_COUNT, HASHTAG_MIN_COUNT = 900, 10_800, 3.0, 10, 3
# The figures of each of the wall's top posts.
TOP_POST_FIGURES = ("engagements", "views", "impressions", "by_impressions")


def figure_now_and_hour_before(figure: str) -> str:
    """``figure`` (posts, views, engagements or by_impressions) as of one hour before the end of the
    time range and as of its end: two points, so the stat panel shows the change between them.

    A figure as of T adds up the changes of ``engagement_changes`` up to T, post by post, and
    applies the summary's rules to those per-post values; at the end of the data it equals the
    figure of ``post_figures`` (the summary's)."""
    if figure == "by_impressions":
        value = (
            "if(sum(impressions) > 0, sumIf(engagements, impressions > 0) / sum(impressions), NULL) "
            "AS by_impressions"
        )
    else:
        value = f"sum({figure}) AS {figure}"
    return f"""WITH
    moments AS (SELECT arrayJoin([$__toTime - INTERVAL 1 HOUR, $__toTime]) AS time),
    per_post AS (
        SELECT m.time AS time, c.platform AS platform, c.post_id AS post_id,
               sumIf(c.change, c.counter = 'posts') AS posts,
               sumIf(c.change, c.counter = 'views') AS views,
               sumIf(c.change, c.counter = 'impressions') AS impressions,
               sumIf(c.change, c.counter IN ({q.ENGAGEMENT_LIST})) AS engagements
        FROM {q.ENGAGEMENT_CHANGES} AS c
        CROSS JOIN moments AS m
        WHERE c.at <= m.time AND {q.change_filter("c")}
        GROUP BY time, platform, post_id
    ),
    figures AS (SELECT time, {value} FROM per_post GROUP BY time)
SELECT m.time AS time, f.{figure} AS {figure}
FROM moments AS m
LEFT JOIN figures AS f ON f.time = m.time
ORDER BY time"""


def per_minute(counters: str, name: str) -> str:
    """Changes of ``counters`` per panel interval and platform, scaled to a per-minute rate."""
    return f"""SELECT $__timeInterval(c.at) AS time, c.platform AS platform,
       sum(c.change) / ($__interval_s / 60) AS {name}
FROM {q.ENGAGEMENT_CHANGES} AS c
WHERE $__timeFilter(c.at) AND c.counter IN ({counters}) AND {q.change_filter("c")}
GROUP BY time, platform
ORDER BY time, platform"""


TOP_POSTS = f"""WITH recent AS (
    SELECT platform, post_id, sumIf(change, counter IN ({q.ENGAGEMENT_LIST})) AS recent_engagements
    FROM {q.ENGAGEMENT_CHANGES}
    WHERE at > $__toTime - INTERVAL 1 HOUR AND at <= $__toTime
    GROUP BY platform, post_id
)
SELECT f.platform AS platform, f.post_id AS post_id, f.text AS text, f.url AS url,
       r.recent_engagements AS recent_engagements, f.engagements AS engagements, f.views AS views,
       f.impressions AS impressions,
       if(f.impressions > 0, f.engagements / f.impressions, NULL) AS by_impressions
FROM {q.POST_FIGURES} AS f
LEFT JOIN recent AS r ON r.platform = f.platform AND r.post_id = f.post_id
WHERE {q.post_filter("f")}
ORDER BY recent_engagements DESC, engagements DESC, platform, post_id
LIMIT 10"""


def at_the_wall(query: str, event: object, **values: object) -> str:
    """``trends.sql`` or ``trending_hashtags.sql`` as of the end of the time range, with the wall's
    window, baseline and threshold (the spike alert rules use the same)."""
    return q.reporter(
        query,
        event=event,
        at=q.Raw("$__toTime"),
        window_s=WINDOW_S,
        baseline_s=BASELINE_S,
        threshold=THRESHOLD,
        **values,
    )


def trending_hashtags() -> str:
    trending = at_the_wall("trending_hashtags", q.Raw(q.EVENT), min_count=HASHTAG_MIN_COUNT, limit=10)
    display = q.reporter("hashtag_display", event=q.Raw(q.EVENT))
    return f"""SELECT if(d.display = '', concat('#', h.key), d.display) AS hashtag,
       h.latest_posts AS latest_posts, h.baseline_posts AS baseline_posts, h.ratio AS ratio, h.spike AS spike
FROM ({trending}) AS h
LEFT JOIN ({display}) AS d ON d.key = h.key
ORDER BY latest_posts DESC, hashtag"""


def spikes(lang: str) -> str:
    trends = at_the_wall("trends", q.Raw(q.EVENT), min_count=MIN_COUNT)
    return f"""SELECT if(platform = '', {q.string(t("word.all", lang))}, platform) AS platform,
       {q.choice("metric", {"posts": t("posts", lang), "engagements": t("engagements", lang)})} AS metric,
       latest_per_minute, baseline_per_minute, ratio, spike
FROM ({trends})
ORDER BY spike DESC, ratio DESC, platform, metric"""


def agenda_now(registry: Registry, lang: str) -> str:
    """The session under way at the end of the time range, or else the next one, with the posts
    created during it (as ``breakdown.sql`` counts a session) and their engagements."""
    return f"""WITH session AS (
    SELECT 1 AS k, title, room, speakers, starts, ends
    FROM ({q.agenda(registry, lang)})
    WHERE event = {q.EVENT} AND ends > $__toTime
    ORDER BY starts
    LIMIT 1
)
SELECT s.title AS session, s.room AS room, s.speakers AS speakers, s.starts AS starts, s.ends AS ends,
       if(s.starts <= $__toTime, {q.string(t("word.in_progress", lang))},
          {q.string(t("word.next", lang))}) AS state,
       countIf(f.declared AND f.created_at >= s.starts AND f.created_at < s.ends) AS posts,
       sumIf(f.engagements, f.declared AND f.created_at >= s.starts AND f.created_at < s.ends) AS engagements
FROM session AS s
LEFT JOIN (SELECT 1 AS k, declared, created_at, engagements FROM {q.POST_FIGURES} AS f
           WHERE {q.post_filter("f")}) AS f ON f.k = s.k
GROUP BY session, room, speakers, starts, ends, state"""


def build(registry: Registry, lang: str, events: list[str]) -> dashboard_builders.Dashboard:
    panels = Panels(lang)
    board = filtered_dashboard(
        UID, t("dash.live", lang), lang, registry, events, refresh="10s", time_from="now-6h"
    )
    change, series = t("live.change", lang), t("desc.series", lang)
    big_figures = [
        panels.stat(
            figure_label(figure, lang),
            figure_now_and_hour_before(figure),
            f"{describe_figure(figure, lang)} {change}",
            unit=unit,
            width=6,
            height=6,
            percent_change=True,
            decimals=2 if unit == "percentunit" else None,
        )
        for figure, unit in (
            ("posts", "short"),
            ("views", "short"),
            ("engagements", "short"),
            ("by_impressions", "percentunit"),
        )
    ]
    per_minute_series = [
        panels.timeseries(
            t(f"live.{figure}_per_minute", lang),
            per_minute(counters, f"{figure}_per_minute"),
            f"{describe_figure(figure, lang)} {series}",
            width=12,
            stack=True,
        )
        for figure, counters in (("engagements", q.ENGAGEMENT_LIST), ("posts", "'posts'"))
    ]
    top_posts = panels.table(
        t("live.top_posts", lang),
        TOP_POSTS,
        f"{t('desc.top_posts', lang)} {describe_figure('by_impressions', lang)}",
        ["platform", "post_id", "text", "url", "recent_engagements", *TOP_POST_FIGURES],
        width=24,
        height=10,
        links=panels.url_link(),
        units={"by_impressions": "percentunit"},
    )
    engagements = describe_figure("engagements", lang)
    side_by_side = [  # (title, query, description, columns)
        (
            "hashtags",
            trending_hashtags(),
            t("desc.hashtags", lang),
            ["hashtag", "latest_posts", "baseline_posts", "ratio", "spike"],
        ),
        (
            "agenda",
            agenda_now(registry, lang),
            f"{t('desc.agenda', lang)} {engagements}",
            ["session", "state", "room", "speakers", "starts", "ends", "posts", "engagements"],
        ),
        (
            "spikes",
            spikes(lang),
            t("desc.spikes", lang),
            ["platform", "metric", "latest_per_minute", "baseline_per_minute", "ratio", "spike"],
        ),
    ]
    tables = [
        panels.table(t(f"live.{name}", lang), sql, description, columns, width=8, height=9)
        for name, sql, description, columns in side_by_side
    ]
    return laid_out(board, [*big_figures, *per_minute_series, top_posts, *tables])
