"""Live event: the wall screen during the event (10 s refresh).

Big figures in full with their change over the last hour and a sparkline of it, when the
store last received a record and each connector's state, activity per minute by platform (in
the platforms' colours) with the spikes marked on it, the posts of the moment, trending
hashtags and the agenda session under way.

It is made for a 1920×1080 screen in kiosk mode: Grafana's grid rows are 30 px plus an 8 px
margin, so 28 rows (1,064 px) is the most that shows without scrolling; the layout ends there
(:data:`WALL_ROWS`, checked by ``tests/unit/test_dashboards_export.py``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from grafana_foundation_sdk.builders import dashboard as dashboard_builders

from services.collector.pollers import CONNECTOR_NAMES
from services.reporter.dashboards import sql as q
from services.reporter.dashboards.board import Stack, filtered_dashboard, laid_out
from services.reporter.dashboards.common import COUNT, RATE, Panels, describe_figure, figure_label
from services.reporter.dashboards.health import CONNECTOR_LABELS
from services.reporter.dashboards.model import Annotation
from services.reporter.labels import t
from shared.registry import Registry

UID = "sada-live"
WALL_ROWS = 28
# The panel the spike rules link to (engagements per minute, where spikes are marked): the
# seventh panel made in ``build``; the export test checks it is that panel.
ENGAGEMENTS_PANEL_ID = 7
# trends.sql / trending_hashtags.sql settings of the wall screen: the reporter's API defaults.
WINDOW_S, BASELINE_S, THRESHOLD, MIN_COUNT, HASHTAG_MIN_COUNT = 900, 10_800, 3.0, 10, 3
# The figures of each of the wall's top posts.
TOP_POST_FIGURES = ("engagements", "views", "impressions", "by_impressions")
# The big figures' sparkline: the figure every SPARK_STEP_MIN minutes over the last hour.
SPARK_STEP_MIN = 5
# A connector's state on the wall: code (the order of the states), word key and colour.
CONNECTOR_STATES = {
    "idle": ("poller_state.idle", "green"),
    "running": ("poller_state.running", "green"),
    "rate-limited": ("poller_state.rate-limited", "orange"),
    "failed": ("poller_state.failed", "red"),
    "blocked": ("live.blocked", "red"),
    "none": ("live.no_pass", "#8C8C8C"),
}


def figure_now_and_hour_before(figure: str) -> str:
    """``figure`` (posts, views, engagements or by_impressions) every 5 minutes from one hour
    before the end of the time range to its end: the stat panel draws them as a sparkline and
    compares the last with the first (the change over the hour).

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
    moments AS (
        SELECT $__toTime - toIntervalMinute(arrayJoin(range(0, 61, {SPARK_STEP_MIN}))) AS time
    ),
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


def trending_hashtags(lang: str) -> str:
    """Each hashtag's posts now and in the baseline, the ratio of their rates (a number the
    panel prints ``3.0×``) and a word for it: surging (the spike rule), rising, steady."""
    trending = at_the_wall("trending_hashtags", q.Raw(q.EVENT), min_count=HASHTAG_MIN_COUNT, limit=10)
    display = q.reporter("hashtag_display", event=q.Raw(q.EVENT))
    surging, rising, steady = (q.string(t(f"word.{w}", lang)) for w in ("surging", "rising", "steady"))
    return f"""SELECT if(d.display = '', concat('#', h.key), d.display) AS hashtag,
       h.latest_posts AS latest_posts, h.baseline_posts AS baseline_posts, h.ratio AS ratio,
       multiIf(h.spike, {surging}, ifNull(h.ratio, 0) > 1, {rising}, {steady}) AS trend
FROM ({trending}) AS h
LEFT JOIN ({display}) AS d ON d.key = h.key
ORDER BY latest_posts DESC, hashtag"""


def spike_marks(lang: str) -> str:
    """The spikes of the time range as marks (``queries/spike_marks.sql`` with the wall's rule):
    a sentence naming the platform (or all), the metric and the ratio."""
    marks = q.panel_query(
        "spike_marks",
        event=q.Raw(q.EVENT),
        **{"from": q.Raw("$__fromTime"), "to": q.Raw("$__toTime")},
        window_s=WINDOW_S,
        baseline_windows=BASELINE_S // WINDOW_S,
        threshold=THRESHOLD,
        min_count=MIN_COUNT,
    )
    platforms = {"": t("word.all_platforms", lang)} | {
        p: t(f"platform.{p}", lang) for p in ("x", "facebook", "instagram", "linkedin", "youtube", "tiktok")
    }
    metric = q.choice("metric", {"posts": t("posts", lang), "engagements": t("engagements", lang)})
    ratio = (
        f"if(ratio IS NULL, {q.string(t('word.new_activity', lang))}, concat(toString(round(ratio, 1)), '×'))"
    )
    return f"""SELECT time, time_end AS timeEnd,
       concat({q.string(t("live.spike", lang))}, ' · ', {q.choice("platform", platforms)}, ' · ', {metric},
              ' · ', {ratio}) AS text,
       platform AS tags
FROM ({marks})
WHERE platform = '' OR {q.platform_filter()}
ORDER BY time"""


def last_update() -> str:
    """``queries/last_update.sql`` for the selected event (ClickHouse's own time zone data can
    disagree with the browser's, e.g. on Morocco's UTC+1, so Grafana writes the time)."""
    return q.panel_query("last_update", event=q.Raw(q.EVENT), at=q.Raw("$__toTime"))


def connector_states(lang: str) -> str:
    """``queries/connector_states.sql`` for the selected event: each connector named in ``lang``,
    its state as a code (:data:`CONNECTOR_STATES`' order) that the panel shows as a word."""
    states = q.panel_query(
        "connector_states", event=q.Raw(q.EVENT), at=q.Raw("$__toTime"), connectors=list(CONNECTOR_NAMES)
    )
    names = {c: t(CONNECTOR_LABELS.get(c, f"platform.{c}"), lang) for c in CONNECTOR_NAMES}
    codes = ", ".join(q.string(state) for state in CONNECTOR_STATES)
    return f"""SELECT {q.choice("connector", names)} AS connector, toUInt8(indexOf([{codes}], state)) AS state
FROM ({states})"""


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


def build(
    registry: Registry, lang: str, events: list[str], now: datetime | None = None
) -> dashboard_builders.Dashboard:
    """The wall, 28 rows: five stats (h5); the connectors' states (h3); engagements and posts
    per minute (h8); the top posts beside the trending hashtags over the agenda (h12)."""
    now = now or datetime.now(UTC)
    panels = Panels(lang)
    board = filtered_dashboard(
        UID, t("dash.live", lang), lang, registry, events, refresh="10s", time_from="now-6h", now=now
    ).annotation(Annotation(t("live.spikes", lang), spike_marks(lang), "orange"))
    change, series = t("live.change", lang), t("desc.series", lang)
    big_figures = [
        panels.stat(
            figure_label(figure, lang),
            figure_now_and_hour_before(figure),
            f"{describe_figure(figure, lang)} {change}",
            unit=unit,
            width=5,
            height=5,
            percent_change=True,
        )
        for figure, unit in (
            ("posts", COUNT),
            ("views", COUNT),
            ("engagements", COUNT),
            ("by_impressions", RATE),
        )
    ]
    updated = panels.clock(t("live.updated", lang), last_update(), t("desc.updated", lang), width=4, height=5)
    words = {code: (t(key, lang), colour) for code, (key, colour) in enumerate(CONNECTOR_STATES.values(), 1)}
    collection = panels.states(
        t("live.collection", lang),
        connector_states(lang),
        t("desc.connector_states", lang),
        "state",
        words,
        width=24,
        height=3,
    )
    per_minute_series = [
        panels.timeseries(
            t(f"live.{figure}_per_minute", lang),
            per_minute(counters, f"{figure}_per_minute"),
            f"{describe_figure(figure, lang)} {series} {t('desc.spike_marks', lang)}",
            width=12,
            height=8,
            stack=True,
        )
        for figure, counters in (("engagements", q.ENGAGEMENT_LIST), ("posts", "'posts'"))
    ]
    top_posts = panels.table(
        t("live.top_posts", lang),
        TOP_POSTS,
        f"{t('desc.top_posts', lang)} {describe_figure('by_impressions', lang)}",
        ["platform", "text", "recent_engagements", *TOP_POST_FIGURES, "url"],
        width=14,
        height=12,
        links=panels.url_link(),
    )
    hashtags = panels.table(
        t("live.hashtags", lang),
        trending_hashtags(lang),
        t("desc.hashtags", lang),
        ["hashtag", "latest_posts", "baseline_posts", "ratio", "trend"],
        width=10,
        height=6,
        units={"ratio": "suffix:×"},
    )
    agenda = panels.table(
        t("live.agenda", lang),
        agenda_now(registry, lang),
        f"{t('desc.agenda', lang)} {describe_figure('engagements', lang)}",
        ["session", "state", "room", "starts", "ends", "posts", "engagements", "speakers"],
        width=10,
        height=6,
    )
    return laid_out(
        board, [*big_figures, updated, collection, *per_minute_series, top_posts, Stack([hashtags, agenda])]
    )
