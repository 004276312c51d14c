"""Every panel's and variable's SQL, expanded the way Grafana and the ClickHouse plugin do, runs
against a store filled through the real pipeline and returns what its panel needs.

The panels are found by walking the exported JSON, so a new panel that this file
cannot check fails here. Expansion follows the plugin's documentation and code:
``$__conditionalAll`` first (frontend), then Grafana's variable interpolation
(``${var:singlequote}``, ``$var``), then the backend macros (``$__timeFilter``,
``$__timeInterval``, ``$__fromTime``, ``$__toTime``, ``$__interval_s``).
"""

from __future__ import annotations

import json
import re
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from harness import RunningPipeline, module_pipeline, ndjson

from services.demo.simulator import seed_event
from services.reporter.dashboards.build import DEMO_REGISTRY, export
from services.reporter.dashboards.model import CLICKHOUSE_TYPE, PROMETHEUS_TYPE
from services.reporter.summary import summary
from shared.registry import load_registry
from shared.settings import Settings

EVENT = "ausim-2022"
# "Now" on the wall screen: during the cybersecurity panel (10:00–12:00 +01:00) of day 2.
START = datetime(2022, 10, 24, tzinfo=UTC)
NOW = datetime(2022, 10, 27, 9, 30, tzinfo=UTC)
AFTER = datetime(2022, 11, 15, tzinfo=UTC)
INTERVAL_S = 300
MACROS = {"conditionalAll", "timeFilter", "timeInterval", "fromTime", "toTime", "interval_s"}
TIME_TYPES = re.compile(r"^(Nullable\()?DateTime(64)?\b")
NUMBER_TYPES = re.compile(r"^(Nullable\()?(U?Int\d+|Float\d+|Decimal)")
TEXT_TYPES = re.compile(r"^(Nullable\()?(LowCardinality\()?(String|FixedString)")


# --- Grafana and the ClickHouse plugin, as documented ---------------------------------------


@dataclass
class Variable:
    """A dashboard variable's state: the selected value(s) and, for All, every option."""

    name: str
    current: str | list[str]
    options: list[str] = field(default_factory=list)

    def values(self) -> list[str]:
        selected = self.current if isinstance(self.current, list) else [self.current]
        return self.options if selected == ["$__all"] else selected


def macro_args(sql: str, open_index: int) -> list[str]:
    """The plugin's getMacroArgs: split at top-level commas, counting parentheses."""
    args, depth, last = [], 0, open_index + 1
    for match in re.finditer(r"[(),]", sql[open_index:]):
        position = open_index + match.start()
        if match.group() == "(":
            depth += 1
        elif match.group() == ")":
            depth -= 1
        if match.group() == "," and depth == 1:
            args.append(sql[last:position])
            last = position + 1
        if depth == 0:
            args.append(sql[last:position])
            return args
    return []


def conditional_all(sql: str, variables: dict[str, Variable]) -> str:
    """``$__conditionalAll(condition, $var)``: ``1=1`` when All (or nothing) is selected."""
    macro = "$__conditionalAll("
    index = sql.rfind(macro)
    while index != -1:
        args = macro_args(sql, index + len(macro) - 1)
        assert len(args) == 2, f"$__conditionalAll needs 2 arguments: {sql[index : index + 80]}"
        variable = variables[args[1].strip().lstrip("$")]
        current = ",".join(variable.current) if isinstance(variable.current, list) else variable.current
        phrase = "1=1" if current in ("", "$__all") else args[0]
        sql = sql.replace(f"{macro}{args[0]},{args[1]})", phrase, 1)
        index = sql.rfind(macro)
    return sql


def interpolate(sql: str, variables: dict[str, Variable]) -> str:
    """Grafana's templateSrv.replace with the plugin's default format (arrays as 'a','b')."""

    def render(name: str, fmt: str | None, whole: str) -> str:
        if name not in variables:
            return whole  # built-ins and macros are left for the backend
        values = variables[name].values()
        if fmt == "singlequote":
            return ",".join("'" + v.replace("'", "\\'") + "'" for v in values)
        if fmt in ("csv", "raw"):
            return ",".join(values)
        assert fmt is None, f"format {fmt!r} is not emulated"
        multiple = isinstance(variables[name].current, list)
        return "'" + "','".join(values) + "'" if multiple else values[0]

    pattern = re.compile(r"\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?::([^}]+))?\}")
    return pattern.sub(
        lambda m: render(m.group(1) or m.group(2) or m.group(4), m.group(3) or m.group(5), m.group(0)), sql
    )


def backend_macros(sql: str, start: datetime, end: datetime, interval_s: int) -> str:
    """pkg/macros of the plugin: what each macro becomes for a time range and interval."""
    f, t = int(start.timestamp()), int(end.timestamp())
    fm, tm = int(start.timestamp() * 1000), int(end.timestamp() * 1000)

    def with_column(name: str, render) -> None:
        nonlocal sql
        for match in re.finditer(rf"\$__{name}\(([^()]*)\)", sql):
            column = match.group(1).strip()
            assert re.fullmatch(r"[\w.]+", column), f"$__{name} takes a column name, got {column!r}"
        sql = re.sub(rf"\$__{name}\(([^()]*)\)", lambda m: render(m.group(1).strip()), sql)

    with_column(
        "timeFilter_ms",
        lambda c: f"{c} >= fromUnixTimestamp64Milli({fm}) AND {c} <= fromUnixTimestamp64Milli({tm})",
    )
    with_column("timeFilter", lambda c: f"{c} >= toDateTime({f}) AND {c} <= toDateTime({t})")
    with_column(
        "timeInterval_ms",
        lambda c: f"toStartOfInterval(toDateTime64({c}, 3), INTERVAL {interval_s * 1000} millisecond)",
    )
    with_column("timeInterval", lambda c: f"toStartOfInterval(toDateTime({c}), INTERVAL {interval_s} second)")
    for name, value in (
        ("fromTime_ms", f"fromUnixTimestamp64Milli({fm})"),
        ("toTime_ms", f"fromUnixTimestamp64Milli({tm})"),
        ("fromTime", f"toDateTime({f})"),
        ("toTime", f"toDateTime({t})"),
        ("interval_s", str(interval_s)),
    ):
        sql = re.sub(rf"\$__{name}(?!\w)", value, sql)
    return sql


def without_strings(sql: str) -> str:
    return re.sub(r"'(?:\\.|[^'\\])*'", "''", sql)


def expand(
    sql: str, variables: dict[str, Variable], start: datetime, end: datetime, interval_s: int = INTERVAL_S
) -> str:
    used = set(re.findall(r"\$__(\w+)", without_strings(sql)))
    assert used <= MACROS, f"macros the plugin would not expand safely: {used - MACROS}"
    expanded = backend_macros(interpolate(conditional_all(sql, variables), variables), start, end, interval_s)
    assert "$" not in without_strings(expanded), f"unexpanded variable in:\n{expanded}"
    return expanded


# --- the store and the exported dashboards ------------------------------------------------------


def burst() -> list[dict]:
    """Twelve TikTok posts in the clock-aligned 15 minutes before NOW and none before: a spike
    (new activity) the wall marks and the spike rule fires for."""
    return [
        {
            "type": "post",
            "event": EVENT,
            "platform": "tiktok",
            "post_id": f"burst-{n}",
            "created_at": (NOW - timedelta(minutes=14) + timedelta(minutes=n)).isoformat(),
            "lang": "fr",
            "text": "En direct",
        }
        for n in range(12)
    ]


def tagged_posts() -> list[dict]:
    """Posts with hashtags around NOW: three in the latest window, one in the baseline."""
    posts = []
    for n, minutes in enumerate((5, 7, 9, 120)):
        posts.append(
            {
                "type": "post",
                "event": EVENT,
                "platform": "instagram",
                "post_id": f"tag-{n}",
                "created_at": (NOW - timedelta(minutes=minutes)).isoformat(),
                "lang": "fr",
                "text": "Salle comble",
                "hashtags": ["#SalleComble"],
            }
        )
    return posts


BAD = [
    {
        "type": "post",
        "event": EVENT,
        "platform": "myspace",
        "post_id": "x",
        "created_at": "2022-10-27T09:00:00Z",
    },
    {
        "type": "metrics",
        "event": EVENT,
        "platform": "x",
        "post_id": "x",
        "observed_at": "2022-10-27T09:00:00Z",
        "likes": -3,
    },
]


@pytest.fixture(scope="module")
def filled(broker, chdb_dir):
    with module_pipeline(broker, chdb_dir, "dash", load_registry(DEMO_REGISTRY)) as pipeline:
        records = seed_event() + tagged_posts() + burst()
        pipeline.post_all(records)
        status, answer, _ = pipeline.post(ndjson([*BAD, records[0]]))
        assert status == 200 and len(answer["rejected"]) == 2
        pipeline.drain()
        yield pipeline


@pytest.fixture(scope="module")
def exported(tmp_path_factory, filled) -> Path:
    out = tmp_path_factory.mktemp("grafana")
    export(out, Settings(), load_registry(DEMO_REGISTRY), "fr", [EVENT, "spike"], now=NOW)
    return out


def dashboards(out: Path) -> dict[str, dict]:
    return {
        path.stem: json.loads(path.read_text("utf-8")) for path in sorted((out / "dashboards").glob("*.json"))
    }


def panels_of(board: dict) -> list[dict]:
    found = []
    for panel in board.get("panels", []):
        found.append(panel)
        found.extend(panel.get("panels", []))  # a collapsed row holds its panels
    return found


class Store:
    def __init__(self, pipeline: RunningPipeline):
        self.client = pipeline.store.client

    def run(self, sql: str) -> tuple[list[str], list[str], list[tuple]]:
        """Names and types of the answer's columns (from DESCRIBE: an empty answer has them too),
        and its rows."""
        try:
            rows = self.client.query(sql).result_rows
            described = self.client.query(f"DESCRIBE TABLE ({sql})").result_rows
        except Exception as exc:  # noqa: BLE001 - whatever fails, the message names the SQL
            raise AssertionError(f"{exc}\n--- SQL ---\n{sql}") from None
        return [d[0] for d in described], [d[1] for d in described], rows


def variable_states(store: Store, board: dict, start: datetime, end: datetime) -> list[dict[str, Variable]]:
    """The variable combinations every panel runs with: All everywhere, then one platform and one
    language; the post variable takes the first post its own query lists."""
    base = {
        "event": Variable("event", EVENT),
        "platform": Variable("platform", ["$__all"]),
        "lang": Variable("lang", ["$__all"], ["ar", "fr", "en"]),
    }
    names = {v["name"] for v in board["templating"].get("list", [])}
    if "platform" in names:
        query = next(v["query"] for v in board["templating"].get("list", []) if v["name"] == "platform")
        _, _, rows = store.run(expand(query, base, START, NOW))
        base["platform"].options = [r[0] for r in rows]
    states = [
        base,
        {**base, "platform": Variable("platform", ["linkedin"]), "lang": Variable("lang", ["fr"])},
    ]
    if "post" in names:
        query = next(v["query"] for v in board["templating"].get("list", []) if v["name"] == "post")
        for state in states:
            _, _, rows = store.run(expand(query, state, start, end))
            assert rows, "the post variable lists no post"
            state["post"] = Variable("post", rows[0][0])
    return states


def time_range(uid: str) -> tuple[datetime, datetime]:
    if uid == "sada-health":  # records arrive now, whatever their own timestamps
        now = datetime.now(UTC)
        return now - timedelta(hours=1), now + timedelta(minutes=1)
    return START, NOW


# --- what each panel type needs ----------------------------------------------------------------


def check_timeseries(panel, columns, types, rows):
    assert "time" in columns and TIME_TYPES.match(types[columns.index("time")]), (columns, types)
    others = [(c, t) for c, t in zip(columns, types, strict=False) if c != "time"]
    assert any(NUMBER_TYPES.match(t) for _, t in others), f"no value column: {columns} {types}"
    assert all(NUMBER_TYPES.match(t) or TEXT_TYPES.match(t) for _, t in others), types


def check_stat(panel, columns, types, rows):
    reduce = panel["options"]["reduceOptions"]
    if reduce.get("values"):  # one figure per row, named by the row's text
        check_reduced(panel, columns, types, rows)
        return
    assert any(NUMBER_TYPES.match(t) for t in types), (columns, types)
    if panel["options"].get("showPercentChange"):
        check_timeseries(panel, columns, types, rows)
        times = [row[columns.index("time")] for row in rows]
        assert len(times) == 13 and times == sorted(times), f"a sparkline every 5 min over the hour: {rows}"
        assert (times[-1] - times[0]).total_seconds() == 3600, "the change is over the last hour"


def check_table(panel, columns, types, rows):
    named = next(t["options"]["renameByName"] for t in panel["transformations"] if t["id"] == "organize")
    missing = set(named) - set(columns)
    assert not missing, f"columns the table names but the query lacks: {missing}"


def check_geomap(panel, columns, types, rows):
    layer = panel["options"]["layers"][0]
    lookup, size = layer["location"]["lookup"], layer["config"]["style"]["size"]["field"]
    assert TEXT_TYPES.match(types[columns.index(lookup)]) and NUMBER_TYPES.match(types[columns.index(size)])
    codes = [row[columns.index(lookup)] for row in rows]
    assert codes and all(re.fullmatch(r"[A-Z]{2}", c) for c in codes), codes


def check_reduced(panel, columns, types, rows):
    pattern = panel["options"]["reduceOptions"]["fields"].strip("/")
    values = [c for c in columns if re.match(pattern, c)]
    assert values and all(NUMBER_TYPES.match(types[columns.index(c)]) for c in values), (pattern, columns)
    assert any(TEXT_TYPES.match(t) for t in types), f"no name column: {columns} {types}"


CHECKS = {
    "timeseries": check_timeseries,
    "stat": check_stat,
    "table": check_table,
    "geomap": check_geomap,
    "piechart": check_reduced,
    "bargauge": check_reduced,
}


def prometheus_metrics(pipeline: RunningPipeline) -> str:
    text = ""
    for service in ("collector", "aggregator", "reporter"):
        with urllib.request.urlopen(f"{pipeline.local.urls[service]}/metrics", timeout=10) as response:
            text += response.read().decode()
    return text


# --- the tests ------------------------------------------------------------------------------------


def test_every_panel_and_variable_runs_and_fits_its_panel(filled, exported):
    store, exposed = Store(filled), prometheus_metrics(filled)
    boards = dashboards(exported)
    assert set(boards) == {"sada-live", "sada-platforms", "sada-posts", "sada-press", "sada-health"}
    empty, checked = [], 0
    for uid, board in boards.items():
        start, end = time_range(uid)
        for state in variable_states(store, board, start, end):
            for variable in board["templating"].get("list", []):
                if variable["type"] == "query":
                    columns, types, rows = store.run(expand(variable["query"], state, start, end))
                    assert 1 <= len(columns) <= 2 and all(TEXT_TYPES.match(t) for t in types), (
                        variable,
                        types,
                    )
                    assert rows, f"{uid}: variable {variable['name']} lists nothing"
            for panel in panels_of(board):
                if panel["type"] == "row":
                    assert not panel.get("targets")
                    continue
                assert panel["type"] in CHECKS, (
                    f"{uid}: no check for a {panel['type']} panel ({panel['title']})"
                )
                assert panel.get("description"), f"{uid}: {panel['title']} does not say what it shows"
                for target in panel["targets"]:
                    if target["datasource"]["type"] == PROMETHEUS_TYPE:
                        for metric in re.findall(r"\bsada_\w+", target["expr"]):
                            assert re.search(rf"^{metric}\b", exposed, re.MULTILINE), (
                                f"no service exposes {metric}"
                            )
                        continue
                    assert target["datasource"]["type"] == CLICKHOUSE_TYPE and target["editorType"] == "sql"
                    assert target["format"] == {"timeseries": 0, "table": 1}[target["queryType"]]
                    columns, types, rows = store.run(expand(target["rawSql"], state, start, end))
                    CHECKS[panel["type"]](panel, columns, types, rows)
                    checked += 1
                    if not rows:
                        empty.append((f"{uid}/{panel['title']}", str(state["platform"].current)))
    assert checked > 60
    # Every panel shows something, but a counter that never changes: reach (the demo's platforms
    # report none) and, on LinkedIn, saves (reported as 0 throughout).
    reach, saves = (
        "sada-platforms/Portée par intervalle et par plateforme",
        "sada-platforms/Enregistrements par intervalle et par plateforme",
    )
    assert set(empty) == {(reach, "['$__all']"), (reach, "['linkedin']"), (saves, "['linkedin']")}, empty


def test_every_annotation_query_runs(filled, exported):
    """The marks on the time series (the live wall's spikes): the columns Grafana reads."""
    store, marks = Store(filled), 0
    for uid, board in dashboards(exported).items():
        start, end = time_range(uid)
        for mark in board.get("annotations", {}).get("list", []):
            for state in variable_states(store, board, start, end):
                columns, types, _ = store.run(expand(mark["target"]["rawSql"], state, start, end))
                assert columns[:3] == ["time", "timeEnd", "text"] and TIME_TYPES.match(types[0]), columns
                marks += 1
    assert marks == 2  # the live wall's spikes, with every variable on All and narrowed


def expand_all(sql: str, start: datetime = START, end: datetime = AFTER, **selected) -> str:
    variables = {
        "event": Variable("event", EVENT),
        "platform": Variable("platform", ["$__all"]),
        "lang": Variable("lang", ["$__all"], ["ar", "fr", "en"]),
    }
    variables.update({k: Variable(k, v) for k, v in selected.items()})
    return expand(sql, variables, start, end)


def panel(boards: dict, uid: str, title: str) -> dict:
    return next(p for p in panels_of(boards[uid]) if p.get("title") == title)


def test_dashboard_figures_are_the_reporters(filled, exported):
    """At the end of the data the Live figures, the Platforms totals and the Press counts are
    the summary's; the platform variable narrows them to the summary's platform block."""
    store, boards = Store(filled), dashboards(exported)
    expected = summary(filled.store, EVENT, 10)
    for title, key in (
        ("Publications", "posts"),
        ("Vues", "views"),
        ("Interactions", "engagements"),
        ("Taux d'engagement par impression", "by_impressions"),
    ):
        sql = panel(boards, "sada-live", title)["targets"][0]["rawSql"]
        columns, _, rows = store.run(expand_all(sql))
        figure = rows[-1][columns.index(key)]
        assert figure == pytest.approx(
            expected["engagement_rate" if key.startswith("by_") else "totals"][key]
        )
        _, _, rows = store.run(expand_all(sql, platform=["linkedin"]))
        block = expected["platforms"]["linkedin"]
        assert rows[-1][1] == pytest.approx(
            block["engagement_rate" if key.startswith("by_") else "totals"][key]
        )
    columns, _, rows = store.run(
        expand_all(
            panel(boards, "sada-platforms", "Totaux par plateforme (tout l'événement)")["targets"][0][
                "rawSql"
            ]
        )
    )
    got = {row[0]: dict(zip(columns, row, strict=False)) for row in rows}
    assert {p: got[p]["engagements"] for p in got} == {
        p: b["totals"]["engagements"] for p, b in expected["platforms"].items()
    }
    assert got["linkedin"]["by_impressions"] == pytest.approx(
        expected["platforms"]["linkedin"]["engagement_rate"]["by_impressions"]
    )
    series = panel(boards, "sada-platforms", "Interactions par intervalle et par plateforme")["targets"][0][
        "rawSql"
    ]
    columns, _, rows = store.run(expand_all(series))
    assert sum(row[columns.index("engagements")] for row in rows) == expected["totals"]["engagements"]
    for title, key in (("Articles", "articles"), ("Pays", "countries")):
        target = next(
            p for p in panels_of(boards["sada-press"]) if p["title"] == title and p["type"] == "stat"
        )
        _, _, rows = store.run(expand_all(target["targets"][0]["rawSql"]))
        assert rows[0][0] == expected["mentions"][key]


def test_wall_screen_shows_the_session_in_progress_and_what_trends(filled, exported):
    store, boards = Store(filled), dashboards(exported)
    columns, _, rows = store.run(
        expand_all(
            panel(boards, "sada-live", "Programme : session en cours")["targets"][0]["rawSql"], end=NOW
        )
    )
    session = dict(zip(columns, rows[0], strict=False))
    assert session["session"] == "Table ronde : cybersécurité et souveraineté"
    assert session["state"] == "en cours" and session["room"] == "Salle Atlas"
    columns, _, rows = store.run(
        expand_all(panel(boards, "sada-live", "Hashtags en tendance")["targets"][0]["rawSql"], end=NOW)
    )
    trending = {row[columns.index("hashtag")]: dict(zip(columns, row, strict=False)) for row in rows}
    assert trending["#SalleComble"]["latest_posts"] == 3 and trending["#SalleComble"]["baseline_posts"] == 1


def test_the_wall_marks_spikes_and_shows_its_freshness_and_collection(filled, exported):
    store, boards = Store(filled), dashboards(exported)
    mark = boards["sada-live"]["annotations"]["list"][0]["target"]["rawSql"]
    columns, _, rows = store.run(expand_all(mark, start=NOW - timedelta(hours=6), end=NOW))
    marks = [dict(zip(columns, row, strict=True)) for row in rows]
    burst = [m for m in marks if m["tags"] == "tiktok"]
    assert len(burst) == 1 and burst[0]["text"] == "Pic · TikTok · Publications · nouvelle activité"
    assert (burst[0]["time"], burst[0]["timeEnd"]) == (
        (NOW - timedelta(minutes=15)).replace(tzinfo=None),
        NOW.replace(tzinfo=None),
    )
    columns, _, rows = store.run(expand_all(mark, start=NOW - timedelta(hours=6), end=NOW, platform=["x"]))
    assert "tiktok" not in {row[columns.index("tags")] for row in rows}, "the platform variable applies"
    states = panel(boards, "sada-live", "Collecte par connecteur")
    columns, _, rows = store.run(expand_all(states["targets"][0]["rawSql"], end=NOW))
    words = states["fieldConfig"]["defaults"]["mappings"][0]["options"]
    shown = {row[0]: words[str(row[1])]["text"] for row in rows}
    assert shown == dict.fromkeys(
        ["X", "YouTube", "Facebook", "Instagram", "LinkedIn", "TikTok", "Presse et blogs"], "aucune collecte"
    )
    updated = panel(boards, "sada-live", "Mis à jour à")["targets"][0]["rawSql"]
    now = datetime.now(UTC)
    _, _, rows = store.run(expand_all(updated, end=now + timedelta(minutes=1)))
    arrived = datetime.fromtimestamp(rows[0][0] / 1000, UTC)
    assert now - timedelta(minutes=30) < arrived <= now, "the latest record arrived during this test module"
    _, _, rows = store.run(expand_all(updated, end=datetime(2020, 1, 1, tzinfo=UTC)))
    assert rows == [(None,)], "nothing had arrived then"


def test_spike_alert_rules_run_as_provisioned(filled, exported):
    document = yaml.safe_load(
        (exported / "provisioning" / "alerting" / "sada-spikes.yaml").read_text("utf-8")
    )
    rules = document["groups"][0]["rules"]
    # Every event has its rule; each answers only in its event's window ("spike" is undated).
    assert {r["uid"] for r in rules} == {"sada-spike-ausim-2022", "sada-spike-ausim-2024", "sada-spike-spike"}
    store = Store(filled)
    later = datetime(2024, 10, 24, 12, tzinfo=UTC)  # during ausim-2024, two years after the burst
    for rule in rules:
        query = next(d for d in rule["data"] if d["refId"] == "A")
        window = timedelta(seconds=query["relativeTimeRange"]["from"])
        columns, types, rows = store.run(expand(query["model"]["rawSql"], {}, NOW - window, NOW))
        assert columns == ["platform", "metric", "spike"] and types[2] == "Float64"
        if rule["uid"] == f"sada-spike-{EVENT}":
            assert {(r[0], r[1]) for r in rows} >= {("all", "posts"), ("all", "engagements")}
            assert {(r[0], r[1]): r[2] for r in rows}[("tiktok", "posts")] == 1.0
            # the same rule two years later, outside its event's window: no answer, never a page
            _, _, rows = store.run(expand(query["model"]["rawSql"], {}, later - window, later))
            assert rows == []
        elif rule["uid"] == "sada-spike-ausim-2024":
            assert rows == []  # on NOW, ausim-2024 is two years away: silent
        assert (
            rule["condition"] == "B"
            and next(d for d in rule["data"] if d["refId"] == "B")["model"]["type"] == "threshold"
        )
