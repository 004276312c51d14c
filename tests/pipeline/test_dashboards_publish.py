"""Publishing into Grafana, against a local server that implements the parts of Grafana's HTTP
API sada uses, as Grafana documents them: Bearer tokens with roles, folders, data sources by uid
and name, ``POST /api/dashboards/db`` with version and overwrite semantics (412s included),
``GET /api/dashboards/uid/…`` and the alerting provisioning API."""

from __future__ import annotations

import asyncio
import copy
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from harness import Served

from services.cli import main
from services.reporter.dashboards.build import DEMO_REGISTRY, build_dashboards
from services.reporter.dashboards.model import to_data
from services.reporter.dashboards.publish import PublishError, publish
from shared.registry import Event, Registry, load_registry
from shared.settings import Settings

ADMIN, VIEWER = "admin-token", "viewer-token"
UIDS = {"sada-live", "sada-platforms", "sada-posts", "sada-press", "sada-health"}


class FakeGrafana:
    """Grafana's documented HTTP API, in memory, served on a free local port (:class:`Served`)."""

    def __init__(self):
        self.tokens = {ADMIN: "Admin", VIEWER: "Viewer"}
        self.folders: dict[str, dict] = {}
        self.datasources: dict[str, dict] = {}
        self.dashboards: dict[str, dict] = {}  # uid -> {"dashboard", "folderUid", "plugin", "messages"}
        self.rules: dict[str, dict] = {}
        self.faults: dict[tuple[str, str], list[int]] = defaultdict(
            list
        )  # (method, path) -> statuses to answer
        self.edit_after_read: set[str] = set()  # dashboards someone saves right after sada reads them
        self.requests: list[tuple[str, str]] = []
        self._ids = iter(range(1, 10_000))
        self.server = Served(self._app())
        self.url = self.server.url

    def _app(self) -> web.Application:
        app = web.Application(middlewares=[self._auth])
        routes = [
            ("GET", "/api/frontend/settings", self.settings),
            ("GET", "/api/folders/{uid}", self.get_folder),
            ("POST", "/api/folders", self.post_folder),
            ("GET", "/api/datasources/uid/{uid}", self.get_datasource_by_uid),
            ("GET", "/api/datasources/name/{name}", self.get_datasource_by_name),
            ("POST", "/api/datasources", self.post_datasource),
            ("GET", "/api/dashboards/uid/{uid}", self.get_dashboard),
            ("POST", "/api/dashboards/db", self.post_dashboard),
            ("GET", "/api/v1/provisioning/alert-rules/{uid}", self.get_rule),
            ("POST", "/api/v1/provisioning/alert-rules", self.post_rule),
            ("PUT", "/api/v1/provisioning/alert-rules/{uid}", self.put_rule),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, path, handler)
        return app

    def close(self) -> None:
        self.server.close()

    @web.middleware
    async def _auth(self, request: web.Request, handler):
        self.requests.append((request.method, request.path))
        faults = self.faults[(request.method, request.path)]
        if faults:
            return web.json_response({"message": "injected failure"}, status=faults.pop(0))
        header = request.headers.get("Authorization", "")
        role = self.tokens.get(header.removeprefix("Bearer ")) if header.startswith("Bearer ") else None
        if role is None:
            return web.json_response({"message": "invalid API key"}, status=401)
        if request.method != "GET" and role == "Viewer":
            return web.json_response(
                {
                    "message": "You'll need additional permissions to perform this action. "
                    "Permissions needed: dashboards:create"
                },
                status=403,
            )
        return await handler(request)

    @staticmethod
    def missing(what: str) -> web.Response:
        return web.json_response({"message": f"{what} not found"}, status=404)

    async def settings(self, _: web.Request) -> web.Response:
        return web.json_response({"buildInfo": {"version": "12.1.0", "edition": "Open Source"}})

    async def get_folder(self, request: web.Request) -> web.Response:
        folder = self.folders.get(request.match_info["uid"])
        return web.json_response(folder) if folder else self.missing("folder")

    async def post_folder(self, request: web.Request) -> web.Response:
        body = await request.json()
        uid = body.get("uid") or f"f{next(self._ids)}"
        if uid in self.folders:
            return web.json_response({"message": "a folder with the same uid already exists"}, status=409)
        self.folders[uid] = {"id": next(self._ids), "uid": uid, "title": body["title"], "version": 1}
        return web.json_response(self.folders[uid])

    async def get_datasource_by_uid(self, request: web.Request) -> web.Response:
        source = self.datasources.get(request.match_info["uid"])
        return web.json_response(self._public(source)) if source else self.missing("Data source")

    async def get_datasource_by_name(self, request: web.Request) -> web.Response:
        source = next((s for s in self.datasources.values() if s["name"] == request.match_info["name"]), None)
        return web.json_response(self._public(source)) if source else self.missing("Data source")

    @staticmethod
    def _public(source: dict) -> dict:
        return {k: v for k, v in source.items() if k != "secureJsonData"}

    async def post_datasource(self, request: web.Request) -> web.Response:
        body = await request.json()
        if any(s["name"] == body["name"] for s in self.datasources.values()):
            return web.json_response({"message": "data source with the same name already exists"}, status=409)
        uid = body.get("uid") or f"d{next(self._ids)}"
        self.datasources[uid] = {**body, "uid": uid, "id": next(self._ids)}
        return web.json_response(
            {
                "datasource": self._public(self.datasources[uid]),
                "id": self.datasources[uid]["id"],
                "message": "Datasource added",
                "name": body["name"],
            }
        )

    async def get_dashboard(self, request: web.Request) -> web.Response:
        uid = request.match_info["uid"]
        stored = self.dashboards.get(uid)
        if stored is None:
            return self.missing("Dashboard")
        answer = {
            "dashboard": copy.deepcopy(stored["dashboard"]),
            "meta": {
                "folderUid": stored["folderUid"],
                "version": stored["dashboard"]["version"],
                "provisioned": False,
            },
        }
        if uid in self.edit_after_read:  # someone saves it in the UI right after sada read it
            stored["dashboard"]["version"] += 1
        return web.json_response(answer)

    async def post_dashboard(self, request: web.Request) -> web.Response:
        body = await request.json()
        board, folder, overwrite = body["dashboard"], body.get("folderUid", ""), body.get("overwrite", False)
        if folder and folder not in self.folders:
            return web.json_response({"message": "folder not found"}, status=400)
        existing = self.dashboards.get(board.get("uid"))
        if existing and existing.get("plugin"):
            return web.json_response(
                {
                    "status": "plugin-dashboard",
                    "message": f"The dashboard belongs to plugin {existing['plugin']}.",
                },
                status=412,
            )
        if existing and not overwrite and board.get("version") != existing["dashboard"]["version"]:
            return web.json_response(
                {"status": "version-mismatch", "message": "The dashboard has been changed by someone else"},
                status=412,
            )
        same_title = [
            u
            for u, d in self.dashboards.items()
            if d["dashboard"]["title"] == board["title"] and d["folderUid"] == folder and u != board["uid"]
        ]
        if same_title and not overwrite:
            return web.json_response(
                {
                    "status": "name-exists",
                    "message": "A dashboard with the same name in the folder already exists",
                },
                status=412,
            )
        version = existing["dashboard"]["version"] + 1 if existing else 1
        ident = existing["dashboard"]["id"] if existing else next(self._ids)
        self.dashboards[board["uid"]] = {
            "dashboard": {**board, "id": ident, "version": version},
            "folderUid": folder,
            "messages": [*(existing or {}).get("messages", []), body.get("message", "")],
        }
        return web.json_response(
            {
                "id": ident,
                "uid": board["uid"],
                "url": f"/d/{board['uid']}/x",
                "status": "success",
                "version": version,
                "slug": "x",
            }
        )

    async def get_rule(self, request: web.Request) -> web.Response:
        rule = self.rules.get(request.match_info["uid"])
        return web.json_response(rule) if rule else web.Response(status=404)

    def _check_rule(self, body: dict) -> web.Response | None:
        if body.get("folderUID") not in self.folders:
            return web.json_response({"message": "invalid alert rule: folder does not exist"}, status=400)
        if body.get("condition") not in {d["refId"] for d in body.get("data", [])}:
            return web.json_response({"message": "invalid alert rule: condition names no query"}, status=400)
        return None

    async def post_rule(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body.get("uid") in self.rules:
            return web.json_response({"message": "a rule with this uid already exists"}, status=409)
        refused = self._check_rule(body)
        if refused:
            return refused
        self.rules[body["uid"]] = {**body, "id": next(self._ids), "provenance": "api", "updated": "now"}
        return web.json_response(self.rules[body["uid"]], status=201)

    async def put_rule(self, request: web.Request) -> web.Response:
        uid = request.match_info["uid"]
        if uid not in self.rules:
            return web.Response(status=404)
        body = await request.json()
        refused = self._check_rule(body)
        if refused:
            return refused
        self.rules[uid] = {**self.rules[uid], **body, "updated": "later"}
        return web.json_response(self.rules[uid])


@pytest.fixture
def grafana():
    server = FakeGrafana()
    yield server
    server.close()


REGISTRY = load_registry(DEMO_REGISTRY)
DURING_2024 = datetime(2024, 10, 24, 10, tzinfo=UTC)  # ausim-2024 runs; ausim-2022 is long over


def grafana_settings(**overrides: Any) -> Settings:
    return Settings(
        **{
            "grafana_token": ADMIN,
            "grafana_clickhouse_url": "native://reader@clickhouse:9000",
            "grafana_clickhouse_password": "s3cret",
            **overrides,
        }
    )


def run(grafana: FakeGrafana, **options: Any):
    options.setdefault("backoff_s", 0.001)
    options.setdefault("now", DURING_2024)
    return publish(
        options.pop("settings", grafana_settings()), REGISTRY, grafana.url, "fr", ["spike"], **options
    )


def test_publishing_twice_changes_nothing_the_second_time(grafana):
    first = run(grafana)
    assert {(c.kind, c.name) for c in first if c.action.startswith("created")} == {
        ("folder", "sada"),
        ("datasource", "sada-clickhouse"),
        ("datasource", "sada-prometheus"),
        *(("dashboard", uid) for uid in UIDS),
        # every event's rules (each answers only in its event's window)
        *(("alert-rule", f"sada-spike-{e}") for e in ("ausim-2022", "ausim-2024", "spike")),
        *(("alert-rule", f"sada-stall-{e}") for e in ("ausim-2022", "ausim-2024")),
    }
    clickhouse = grafana.datasources["sada-clickhouse"]
    assert clickhouse["type"] == "grafana-clickhouse-datasource" and clickhouse["jsonData"] == {
        "host": "clickhouse",
        "port": 9000,
        "protocol": "native",
        "secure": False,
        "username": "reader",
        "defaultDatabase": "sada",
    }
    assert clickhouse["secureJsonData"] == {"password": "s3cret"}
    expected = {b.uid: to_data(b) for b in build_dashboards(REGISTRY, "fr", ["spike"], now=DURING_2024)}
    for uid, stored in grafana.dashboards.items():
        assert stored["folderUid"] == "sada" and stored["dashboard"]["version"] == 1
        assert {k: v for k, v in stored["dashboard"].items() if k not in ("id", "version")} == expected[uid]
        assert stored["messages"][0].startswith("Published by sada")
    rule = grafana.rules["sada-spike-ausim-2024"]
    assert rule["title"] == "Pic d'activité : Congrès AUSIM 2024" and rule["for"] == "3m"
    assert rule["annotations"]["__dashboardUid__"] == "sada-live"
    assert grafana.rules["sada-stall-ausim-2024"]["noDataState"] == "Alerting"
    assert rule["folderUID"] == "sada" and rule["ruleGroup"] == "sada-spikes" and rule["condition"] == "B"
    assert (
        rule["data"][0]["datasourceUid"] == "sada-clickhouse"
        and "$__toTime" in rule["data"][0]["model"]["rawSql"]
    )

    grafana.requests.clear()
    second = run(grafana)
    assert not [c for c in second if c.changed], [str(c) for c in second]
    assert all(method == "GET" for method, _ in grafana.requests), grafana.requests

    grafana.dashboards["sada-press"]["dashboard"]["title"] = "Edited in the UI"
    grafana.rules["sada-spike-spike"]["for"] = "10m"
    third = {(c.kind, c.name): c.action for c in run(grafana) if c.changed}
    assert third == {
        ("dashboard", "sada-press"): "updated (version 2)",
        ("alert-rule", "sada-spike-spike"): "updated",
    }
    assert grafana.dashboards["sada-press"]["dashboard"]["title"] == expected["sada-press"]["title"]


@pytest.mark.parametrize(
    "case, words",
    [
        ("401", ["401", "SADA_GRAFANA_TOKEN"]),
        ("403", ["403", "Editor"]),
        ("404", ["404", "root URL"]),
        ("412 version", ["412 version-mismatch", "changed by someone else", "publish again"]),
        ("412 plugin", ["412 plugin-dashboard", "belongs to a plugin"]),
    ],
)
def test_refusals_get_a_clear_message(grafana, case, words):
    options: dict[str, Any] = {}
    url = grafana.url
    if case == "401":
        options["settings"] = grafana_settings(grafana_token="expired")
    elif case == "403":
        options["settings"] = grafana_settings(grafana_token=VIEWER)
    elif case == "404":
        url = f"{grafana.url}/grafana"  # Grafana is at the root here, not under a sub-path
    elif case == "412 version":
        run(grafana)
        grafana.dashboards["sada-live"]["dashboard"]["refresh"] = "1m"  # a change in the UI to undo…
        grafana.edit_after_read.add("sada-live")  # …and another one made while sada publishes
        options["overwrite"] = False
    else:
        grafana.folders["sada"] = {"id": 1, "uid": "sada", "title": "sada", "version": 1}
        grafana.dashboards["sada-posts"] = {
            "dashboard": {"uid": "sada-posts", "title": "x", "id": 9, "version": 3},
            "folderUid": "sada",
            "plugin": "Some App",
        }
    with pytest.raises(PublishError) as error:
        publish(
            options.pop("settings", grafana_settings()), REGISTRY, url, "fr", (), backoff_s=0.001, **options
        )
    message = str(error.value)
    assert all(word in message for word in words), message
    assert "s3cret" not in message and ADMIN not in message


def test_server_errors_are_retried_with_backoff(grafana):
    grafana.faults[("POST", "/api/dashboards/db")] = [503, 502]
    grafana.faults[("GET", "/api/folders/sada")] = [500]
    waits: list[float] = []
    changes = run(grafana, sleep=waits.append, backoff_s=0.5)
    assert {c.name for c in changes if c.kind == "dashboard" and c.changed} == UIDS
    assert waits == [0.5, 0.5, 1.0]  # each failing call backs off 0.5 s, then doubles
    assert grafana.requests.count(("POST", "/api/dashboards/db")) == len(UIDS) + 2

    grafana.faults[("GET", "/api/dashboards/uid/sada-live")] = [500] * 5
    with pytest.raises(PublishError, match=r"after 5 attempts; last answer: 500"):
        run(grafana)


def test_cli_publish_prints_what_changed(grafana, monkeypatch, capsys):
    monkeypatch.setenv("SADA_GRAFANA_TOKEN", ADMIN)
    monkeypatch.setenv("SADA_EVENTS_FILE", str(DEMO_REGISTRY))
    assert main(["dashboards", "publish", "--grafana-url", grafana.url, "--lang", "ar"]) == 0
    out = capsys.readouterr()
    assert "sada-live" in out.out and "created" in out.out and "changed, 0 unchanged" in out.err
    assert grafana.dashboards["sada-live"]["dashboard"]["title"] == "الحدث مباشرة"
    assert main(["dashboards", "publish", "--grafana-url", grafana.url, "--lang", "ar"]) == 0
    assert " 0 changed" in capsys.readouterr().err
    monkeypatch.setenv("SADA_GRAFANA_TOKEN", "wrong")
    assert main(["dashboards", "publish", "--grafana-url", grafana.url]) == 1
    assert "401" in capsys.readouterr().err


def test_the_reporter_publishes_at_start(grafana, settings):
    from services.reporter.app import create_app
    from shared.http import start_site
    from shared.store import open_store

    configured = settings.model_copy(
        update={"grafana_url": grafana.url, "grafana_token": grafana_settings().grafana_token}
    )
    store = open_store(configured)
    now = datetime.now(UTC)  # the reporter publishes as of its start: an event running today
    today = Registry(
        events={"today": Event(slug="today", start=now - timedelta(hours=1), end=now + timedelta(days=1))}
    )

    async def start_and_stop() -> None:
        runner, _ = await start_site(create_app(configured, store, today), "127.0.0.1", 0)
        await runner.cleanup()

    asyncio.run(start_and_stop())
    deadline = time.monotonic() + 30

    def published() -> bool:  # the dashboards go first, the alert rules after them
        return set(grafana.dashboards) == UIDS and "sada-stall-today" in grafana.rules

    while not published() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert set(grafana.dashboards) == UIDS and {"sada-spike-today", "sada-stall-today"} <= set(grafana.rules)
