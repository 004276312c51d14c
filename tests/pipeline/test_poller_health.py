"""Collection health end to end: a press poller reads a stand-in outlet's feed through the real
broker into chDB; each pass's record lands in ``poller_passes``; the exported Pipeline health
panel of the connector and the provisioned "collection stalled" rule, run against the store
as Grafana would at a given time, say what the poller did: collecting, then failing (the feed
answers 500: stalled once 3 intervals went by without a success, not before, and not once
the event is over), then blocked (a stop a person must lift: why and what to do).
The state machine alone: tests/unit/test_poller_health.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
import yaml
from aiohttp import web
from harness import RunningPipeline, Served, module_pipeline
from harness.pollers import NOW, Recorder, app_of, one_pass, poller_settings

from services.collector.pollers.limits import PollError, Stopped
from services.collector.pollers.press import Outlet, PressPoller
from services.reporter.dashboards.build import export
from shared.registry import Event, Registry
from shared.settings import PressSettings

EVENT = Event(
    slug="health-live",
    names={"en": "Health live"},
    keywords=["sada"],
    start=NOW - timedelta(days=1),
    end=NOW + timedelta(days=1),
)
WHY, REMEDY = (
    "the feed refuses our credentials (HTTP 401)",
    "put a feed URL with a valid key in SADA_PRESS_OUTLETS",
)


@pytest.fixture(scope="module")
def pipeline(broker, chdb_dir) -> Iterator[RunningPipeline]:
    with module_pipeline(broker, chdb_dir, "pollhealth") as running:
        yield running


class Feed:
    """One outlet's RSS feed: three items about the event, then whatever ``status`` says."""

    def __init__(self) -> None:
        self.status = 200

    def app(self) -> web.Application:
        async def feed(_: web.Request) -> web.Response:
            if self.status != 200:
                return web.Response(status=self.status)
            items = "".join(
                f"<item><title>sada article {n}</title><link>https://news.example/a/{n}</link>"
                f"<pubDate>{format_datetime(NOW - timedelta(hours=n))}</pubDate></item>"
                for n in (1, 2, 3)
            )
            body = (
                '<?xml version="1.0" encoding="UTF-8"?>'
                f'<rss version="2.0"><channel><title>f</title>{items}</channel></rss>'
            )
            return web.Response(text=body, content_type="application/rss+xml")

        return app_of({"/feed.xml": feed})


class KeyedPress(PressPoller):
    """A press poller whose feed needs a key: an answer 401 is a stop a person must lift."""

    async def read(self, outlet: Outlet) -> None:
        try:
            await super().read(outlet)
        except PollError as exc:
            if str(exc) == "HTTP 401":
                raise Stopped(WHY, REMEDY) from None
            raise


def outlets(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "outlets.toml"
    path.write_text(f'[[outlets]]\nfeed = "{url}/feed.xml"\nname = "Le Matin"\ncountry = "MA"\n', "utf-8")
    return path


def at(moment: datetime):
    return lambda: moment


def grafana_at(sql: str, moment: datetime) -> str:
    """The plugin's ``$__toTime`` at ``moment`` (the only macro these queries use)."""
    assert set(re.findall(r"\$__\w+", sql)) == {"$__toTime"}, sql
    return sql.replace("$__toTime", f"toDateTime({int(moment.timestamp())})")


def stamp(moment: datetime) -> float:
    """A stored time in seconds (a time without a zone is the column's: UTC)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def rows(pipeline: RunningPipeline, sql: str) -> list[dict]:
    result = pipeline.store.client.query(sql)
    return [dict(zip(result.column_names, row, strict=True)) for row in result.result_rows]


@pytest.fixture(scope="module")
def exported(tmp_path_factory, pipeline) -> Path:
    out = tmp_path_factory.mktemp("grafana")
    export(out, pipeline.local.settings, Registry(events={EVENT.slug: EVENT}), "en")
    return out


def press_panel(exported: Path) -> str:
    board = json.loads((exported / "dashboards" / "sada-health.json").read_text("utf-8"))
    panel = next(p for p in board["panels"] if p.get("title") == "Poller: Press and blogs")
    return panel["targets"][0]["rawSql"]


def stall_rule(exported: Path) -> str:
    document = yaml.safe_load(
        (exported / "provisioning" / "alerting" / "sada-collection.yaml").read_text("utf-8")
    )
    (group,) = document["groups"]
    rule = next(r for r in group["rules"] if r["uid"] == f"sada-stall-{EVENT.slug}")
    assert rule["for"] == "5m" and rule["annotations"]["__dashboardUid__"] == "sada-health"
    return next(d for d in rule["data"] if d["refId"] == "A")["model"]["rawSql"]


def test_passes_land_in_the_store_and_the_panel_and_alert_follow_the_poller(pipeline, tmp_path, exported):
    feed = Feed()
    served = Served(feed.app())
    recorder = Recorder(pipeline)
    panel, alert = press_panel(exported), stall_rule(exported)
    with served:
        settings = poller_settings(
            pipeline, tmp_path / "state", press=PressSettings(outlets=outlets(tmp_path, served.url))
        )
        first = NOW + timedelta(minutes=1)
        status = one_pass(KeyedPress, settings, EVENT, recorder, clock=at(first)).status()
        assert status["state"] == "idle" and status["records_last_hour"] == 3
        pipeline.drain()

        stored = rows(pipeline, "SELECT * FROM poller_passes FINAL WHERE event = 'health-live'")
        assert len(stored) == 1
        assert {k: stored[0][k] for k in ("connector", "platform", "ok", "state", "records", "errors")} == {
            "connector": "press",
            "platform": "web",
            "ok": 1,
            "state": "idle",
            "records": 3,
            "errors": 0,
        }
        (shown,) = rows(pipeline, grafana_at(panel, first))
        assert (shown["event"], shown["state"], shown["records_last_hour"]) == ("health-live", "idle", 3)
        assert stamp(shown["last_success"]) == stamp(shown["last_pass"]) == first.timestamp()

        # The feed fails: each pass fails whole, the last success stays at the first pass.
        feed.status = 500
        for minutes in (2, 3, 5):
            moment = NOW + timedelta(minutes=minutes)
            status = one_pass(KeyedPress, settings, EVENT, recorder, clock=at(moment)).status()
            assert status["state"] == "failed" and "HTTP 500" in status["why"]
        pipeline.drain()
        fifth = NOW + timedelta(minutes=5)
        (shown,) = rows(pipeline, grafana_at(panel, fifth))
        assert shown["state"] == "failed" and "HTTP 500" in shown["detail"]
        assert stamp(shown["last_success"]) == first.timestamp()
        assert stamp(shown["last_pass"]) == fifth.timestamp() and shown["records_last_hour"] == 3

        # Stalled after 3 intervals (60 s) without a success, while the event runs only.
        def stalled(moment: datetime) -> dict[str, float]:
            return {r["connector"]: r["stalled"] for r in rows(pipeline, grafana_at(alert, moment))}

        assert stalled(NOW + timedelta(minutes=3)) == {"press": 0.0}  # 2 minutes since the success
        assert stalled(NOW + timedelta(minutes=4, seconds=1)) == {"press": 1.0}
        assert stalled(EVENT.end + timedelta(minutes=1)) == {"press": 0.0}  # the event is over
        # Before its first pass, nothing collected the running event: the rule says so (one row
        # "none") rather than answering no data; before the event starts that is no stall.
        assert stalled(NOW) == {"none": 1.0}
        assert stalled(EVENT.start - timedelta(minutes=1)) == {"none": 0.0}

        # A stop a person must lift: blocked, why and what to do, on the panel too.
        feed.status = 401
        sixth = NOW + timedelta(minutes=6)
        status = one_pass(KeyedPress, settings, EVENT, recorder, clock=at(sixth)).status()
        assert (status["state"], status["why"], status["remedy"]) == ("blocked", WHY, REMEDY)
        pipeline.drain()
        (shown,) = rows(pipeline, grafana_at(panel, sixth))
        assert shown["state"] == "blocked: a person must act"
        assert WHY in shown["detail"] and REMEDY in shown["detail"]
        assert stalled(sixth) == {"press": 1.0}

        # Fixed (and restarted): the next pass runs at once and collection resumes.
        feed.status = 200
        seventh = NOW + timedelta(minutes=7)
        status = one_pass(KeyedPress, settings, EVENT, recorder, clock=at(seventh)).status()
        assert status["state"] == "idle" and status["last_success"] is not None
        pipeline.drain()
        (shown,) = rows(pipeline, grafana_at(panel, seventh))
        assert shown["state"] == "idle" and stamp(shown["last_success"]) == seventh.timestamp()
        assert stalled(seventh) == {"press": 0.0}

    # Every pass above is stored once, in order, whatever was read twice.
    passes = rows(
        pipeline, "SELECT state FROM poller_passes FINAL WHERE event = 'health-live' ORDER BY ended_at"
    )
    assert [p["state"] for p in passes] == ["idle", "failed", "failed", "failed", "blocked", "idle"]
    assert len(recorder.passes) == 6


def test_a_connector_without_passes_says_so(pipeline, exported):
    board = json.loads((exported / "dashboards" / "sada-health.json").read_text("utf-8"))
    panel = next(p for p in board["panels"] if p.get("title") == "Poller: TikTok")
    (shown,) = rows(pipeline, grafana_at(panel["targets"][0]["rawSql"], NOW))
    assert shown["state"] == "no pass recorded" and shown["event"] == ""
