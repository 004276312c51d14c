"""The exported dashboards and alert rules alone (no store), in each language: their JSON loads
back into the SDK's models; every panel sits on Grafana's 24-column grid without overlapping
another and the live wall fits a 1920×1080 screen (28 rows); every stat has its own thresholds
and prints numbers in full; the dashboards open on the event running now in its time zone; the
alert rules are made for current events, wait a few minutes, alert on missing pipeline data,
link their dashboard and speak the export's language."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from services.reporter.colours import PLATFORM_COLOURS
from services.reporter.dashboards import alerts, live
from services.reporter.dashboards.board import opening_event
from services.reporter.dashboards.build import DEMO_REGISTRY, export, export_languages
from services.reporter.dashboards.cli import languages
from services.reporter.dashboards.common import CLOCK
from services.reporter.dashboards.model import load_dashboard, to_data
from shared.registry import load_registry
from shared.settings import Settings

EVENT = "ausim-2022"
REGISTRY = load_registry(DEMO_REGISTRY)
DURING_2022 = datetime(2022, 10, 27, 9, 30, tzinfo=UTC)  # ausim-2022 runs (26–28 Oct 2022)
BETWEEN = datetime(2023, 6, 1, tzinfo=UTC)  # neither runs; ausim-2024 is the latest
LANGS = ["ar", "fr", "en"]
FULL_NUMBERS = {"locale": 0, "percentunit": 2}  # unit → decimals: "314,000", "9.84%"


def exported(tmp_path: Path, lang: str, now: datetime = DURING_2022) -> dict[str, dict]:
    export(tmp_path, Settings(), REGISTRY, lang, [EVENT, "spike"], now=now)
    return {p.stem: json.loads(p.read_text("utf-8")) for p in (tmp_path / "dashboards").glob("*.json")}


def all_panels(board: dict) -> list[dict]:
    found = []
    for panel in board["panels"]:
        found += [panel, *panel.get("panels", [])]
    return found


def layout_problems(board: dict) -> list[str]:
    """What is wrong with a dashboard's grid: panels past column 24, without a size, or
    overlapping another (a collapsed row's panels are laid out when it opens; none here)."""
    problems, placed = [], []
    for panel in board["panels"]:
        at, title = panel.get("gridPos") or {}, panel.get("title")
        x, y, w, h = (at.get(k, -1) for k in ("x", "y", "w", "h"))
        if min(x, y) < 0 or w < 1 or h < 1:
            problems.append(f"{title}: no position or size {at}")
            continue
        if x + w > 24:
            problems.append(f"{title}: columns {x}–{x + w} past the 24-column grid")
        for other, (ox, oy, ow, oh) in placed:
            if x < ox + ow and ox < x + w and y < oy + oh and oy < y + h:
                problems.append(f"{title} overlaps {other}")
        placed.append((title, (x, y, w, h)))
    return problems


def test_the_layout_checker_finds_what_is_wrong():
    board = {
        "panels": [
            {"title": "a", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8}},
            {"title": "b", "gridPos": {"x": 8, "y": 4, "w": 8, "h": 8}},
            {"title": "c", "gridPos": {"x": 20, "y": 24, "w": 12, "h": 8}},
            {"title": "d"},
        ]
    }
    assert layout_problems(board) == [
        "b overlaps a",
        "c: columns 20–32 past the 24-column grid",
        "d: no position or size {}",
    ]


@pytest.mark.parametrize("lang", LANGS)
def test_exported_json_loads_back_into_the_sdk_models(tmp_path, lang):
    for uid, data in exported(tmp_path, lang).items():
        model = load_dashboard(data)
        assert to_data(model) == data, uid
        assert model.schema_version == 41 and model.uid == uid
        assert all(p.description for p in model.panels if p.type_val != "row")
    live_board = json.loads((tmp_path / "dashboards" / "sada-live.json").read_text("utf-8"))
    titles = {"ar": "الحدث مباشرة", "fr": "Événement en direct", "en": "Live event"}
    assert live_board["title"] == titles[lang] and live_board["refresh"] == "10s"


@pytest.mark.parametrize("lang", LANGS)
def test_every_dashboard_is_on_the_grid_and_the_wall_fits_its_screen(tmp_path, lang):
    boards = exported(tmp_path, lang)
    assert set(boards) == {"sada-live", "sada-platforms", "sada-posts", "sada-press", "sada-health"}
    for uid, board in boards.items():
        assert layout_problems(board) == [], uid
    wall = boards["sada-live"]["panels"]
    assert max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in wall) <= live.WALL_ROWS == 28


@pytest.mark.parametrize("lang", LANGS)
def test_every_stat_has_thresholds_and_prints_full_numbers(tmp_path, lang):
    stats = [
        (uid, panel)
        for uid, board in exported(tmp_path, lang).items()
        for panel in all_panels(board)
        if panel["type"] in ("stat", "bargauge")
    ]
    assert len(stats) >= 9
    for uid, panel in stats:
        defaults = panel["fieldConfig"]["defaults"]
        steps = (defaults.get("thresholds") or {}).get("steps") or []
        assert steps and steps[0]["value"] is None, f"{uid}/{panel['title']}: no thresholds of its own"
        assert all(step["color"] not in ("red", "dark-red") for step in steps[:1]), panel["title"]
        if defaults.get("unit") == CLOCK:  # "updated hh:mm", in the dashboard's (the event's) zone
            continue
        assert defaults.get("unit") in FULL_NUMBERS, f"{uid}/{panel['title']}: unit {defaults.get('unit')}"
        assert defaults.get("decimals") == FULL_NUMBERS[defaults["unit"]], panel["title"]


def test_the_wall_has_sparklines_spike_marks_states_and_platform_colours(tmp_path):
    board = exported(tmp_path, "en")["sada-live"]
    panels = {p["title"]: p for p in all_panels(board)}
    for title in ("Posts", "Views", "Engagements", "Engagement rate by impressions"):
        assert (
            panels[title]["options"]["graphMode"] == "area" and panels[title]["options"]["showPercentChange"]
        )
    assert panels["Updated"]["fieldConfig"]["defaults"]["unit"] == CLOCK == "time:HH:mm"
    states = panels["Collection, by connector"]
    words = {v["text"] for m in states["fieldConfig"]["defaults"]["mappings"] for v in m["options"].values()}
    assert {"idle", "rate-limited", "blocked: act now", "not collecting"} <= words
    engagements = panels["Engagements per minute by platform"]
    assert engagements["id"] == live.ENGAGEMENTS_PANEL_ID
    assert {"id": "labelsToFields", "options": {"mode": "columns", "valueLabel": "platform"}} in engagements[
        "transformations"
    ]
    colours = {
        o["matcher"]["options"]: next(p["value"]["fixedColor"] for p in o["properties"] if p["id"] == "color")
        for o in engagements["fieldConfig"]["overrides"]
    }
    assert colours == PLATFORM_COLOURS
    marks = board["annotations"]["list"]
    assert [m["name"] for m in marks] == ["Spikes"] and "rawSql" in marks[0]["target"]
    hashtags = panels["Trending hashtags"]
    ratio = next(o for o in hashtags["fieldConfig"]["overrides"] if o["matcher"]["options"] == "ratio")
    assert {"id": "unit", "value": "suffix:×"} in ratio["properties"]
    assert "trend" in hashtags["transformations"][0]["options"]["indexByName"]
    assert "spike" not in hashtags["transformations"][0]["options"]["indexByName"]


@pytest.mark.parametrize(("now", "expected"), [(DURING_2022, "ausim-2022"), (BETWEEN, "ausim-2024")])
def test_dashboards_open_on_the_running_event_in_its_time_zone(tmp_path, now, expected):
    assert opening_event(REGISTRY, [EVENT, "spike"], now) == expected
    for uid, board in exported(tmp_path, "fr", now).items():
        assert board["timezone"] == "Africa/Casablanca", uid
        variables = {v["name"]: v for v in board["templating"].get("list", [])}
        if "event" in variables:
            assert variables["event"]["current"] == {
                "text": REGISTRY.get(expected).name("fr"),
                "value": expected,
            }, uid
            assert "now()" in variables["event"]["query"], "the list is ordered by the same rule"


def test_other_dashboards_have_no_half_filled_template_and_name_countries(tmp_path):
    boards = exported(tmp_path, "fr")
    totals = next(p for p in boards["sada-platforms"]["panels"] if p["type"] == "table")
    assert "multiIf('platform' = " not in totals["targets"][0]["rawSql"]
    assert "CAST([], " not in totals["targets"][0]["rawSql"]
    geomap = next(p for p in boards["sada-press"]["panels"] if p["type"] == "geomap")
    layer = geomap["options"]["layers"][0]
    assert layer["config"]["style"]["text"]["field"] == "name"
    assert "'Maroc'" in geomap["targets"][0]["rawSql"]


def rules_of(out: Path) -> list[dict]:
    found = []
    for group in ("sada-spikes", "sada-collection"):
        document = yaml.safe_load((out / "provisioning" / "alerting" / f"{group}.yaml").read_text("utf-8"))
        found += [rule for g in document["groups"] for rule in g["rules"]]
    return found


@pytest.mark.parametrize("lang", LANGS)
def test_alert_rules_can_be_relied_on_in_each_language(tmp_path, lang):
    exported(tmp_path, lang)
    rules = rules_of(tmp_path)
    assert {r["uid"] for r in rules} == {
        "sada-spike-ausim-2022",
        "sada-spike-ausim-2024",
        "sada-spike-spike",
        "sada-stall-ausim-2022",
        "sada-stall-ausim-2024",
    }
    name = REGISTRY.get(EVENT).name(lang)
    words = {"ar": ("ذروة", "توقف"), "fr": ("Pic", "Collecte"), "en": ("spike", "Collection")}[lang]
    for rule in rules:
        spike = rule["uid"].startswith("sada-spike")
        assert rule["for"] == ("3m" if spike else "5m")
        assert rule["noDataState"] == ("OK" if spike else "Alerting")
        assert rule["annotations"]["__dashboardUid__"] == ("sada-live" if spike else "sada-health")
        if spike:
            assert rule["annotations"]["__panelId__"] == str(live.ENGAGEMENTS_PANEL_ID)
        assert rule["notification_settings"] == {"receiver": alerts.CONTACT_POINT}
        assert words[0 if spike else 1] in rule["title"]
        if rule["uid"].endswith(EVENT):
            assert name in rule["title"]
        assert words[0 if spike else 1].lower() in rule["annotations"]["summary"].lower()
    contact = yaml.safe_load(
        (tmp_path / "provisioning" / "alerting" / "sada-contact-points.yaml").read_text("utf-8")
    )
    assert contact["contactPoints"][0]["name"] == alerts.CONTACT_POINT
    assert "${GRAFANA_ALERT_EMAILS}" in str(contact)


def test_every_event_has_its_rules_whose_query_holds_its_window(tmp_path):
    """Rules do not depend on the day of the export: each holds its event's window in its query
    (tests/pipeline/test_dashboards_sql.py runs it inside and outside that window)."""
    exported(tmp_path, "en", datetime(2024, 10, 20, tzinfo=UTC))
    rules = {r["uid"]: r for r in rules_of(tmp_path)}
    assert set(rules) == {
        "sada-spike-ausim-2022",
        "sada-spike-ausim-2024",
        "sada-spike-spike",
        "sada-stall-ausim-2022",
        "sada-stall-ausim-2024",
    }
    event = REGISTRY.get("ausim-2024")
    assert event.start is not None and event.end is not None
    sql = next(d for d in rules["sada-spike-ausim-2024"]["data"] if d["refId"] == "A")["model"]["rawSql"]
    opens = (event.start - timedelta(days=7)).timestamp()
    assert f"$__toTime >= toDateTime64({opens:.6f}, 6, 'UTC')" in sql
    assert f"$__toTime <= toDateTime64({event.end.timestamp():.6f}, 6, 'UTC')" in sql


def test_several_languages_export_each(tmp_path):
    export_languages(tmp_path, Settings(), REGISTRY, languages("ar,fr,en"), [EVENT], DURING_2022)
    for lang, title in (("ar", "الحدث مباشرة"), ("fr", "Événement en direct"), ("en", "Live event")):
        board = json.loads((tmp_path / lang / "dashboards" / "sada-live.json").read_text("utf-8"))
        assert board["title"] == title
        assert rules_of(tmp_path / lang)
    with pytest.raises(argparse.ArgumentTypeError, match="de: choose among ar, fr, en"):
        languages("fr,de")
