"""Publish into a running Grafana through its HTTP API (grafana-client): the folder, the data
sources when missing, every dashboard, and the spike alert rules.

Idempotent: each dashboard and rule is read first and written only when it
differs, so publishing twice changes nothing the second time. A dashboard is
saved with ``overwrite`` (sada's code is the source of truth) and a version
message; with ``overwrite=False`` it is saved against the version just read, so
a concurrent edit in Grafana makes the save fail (412) instead of being lost.
5xx answers and lost connections are retried with exponential backoff; 401,
403, 404 and 412 end the run with a message that says what to fix.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from typing import Any, TypeVar

import niquests
from aiohttp import web
from clickhouse_connect.driver.exceptions import ClickHouseError
from grafana_client import GrafanaApi
from grafana_client.client import (
    GrafanaClientError,
    GrafanaException,
    GrafanaServerError,
    GrafanaTimeoutError,
)

from services.reporter.dashboards import alerts, provisioning
from services.reporter.dashboards.build import build_dashboards, check_lang
from services.reporter.dashboards.model import to_data
from shared.registry import Registry
from shared.settings import Settings

log = logging.getLogger("sada.dashboards.publish")
T = TypeVar("T")
TOKEN_ENV = "SADA_GRAFANA_TOKEN"
PUBLISHING = web.AppKey("sada_grafana_publish", threading.Thread)


class PublishError(RuntimeError):
    """Publishing stopped; the message says what Grafana answered and what to do about it."""


@dataclass(frozen=True)
class Change:
    kind: str  # folder | datasource | dashboard | alert-rule
    name: str
    action: str  # created | updated | unchanged | exists

    @property
    def changed(self) -> bool:
        return self.action.startswith(("created", "updated"))

    def __str__(self) -> str:
        return f"{self.kind:<11} {self.name:<28} {self.action}"


def _sada_version() -> str:
    try:
        return metadata.version("sada")
    except metadata.PackageNotFoundError:
        return "dev"


def _explain(error: GrafanaClientError, action: str, url: str) -> str:
    """What a 4xx means for the one publishing, in a sentence."""
    body = error.response if isinstance(error.response, dict) else {}
    said = body.get("message") or (error.response if isinstance(error.response, str) else "") or ""
    said = f" (Grafana said: {said.strip()})" if said.strip() else ""
    status = error.status_code
    if status == 401:
        return (
            f"Grafana refused the credentials on {action} (401){said}: set {TOKEN_ENV} to a valid "
            "service account token of this Grafana (or put user:password in the URL)."
        )
    if status == 403:
        return (
            f"Grafana forbade {action} (403){said}: the token's service account lacks the permission; "
            "give it the Editor role (Admin to create data sources and alert rules)."
        )
    if status == 404:
        return (
            f"Grafana answered 404 to {action}{said}: check that {url} is Grafana's root URL (with its "
            "sub-path, like https://host/grafana) and that unified alerting is on."
        )
    if status == 412:
        reason = body.get("status", "")
        hint = {
            "version-mismatch": "someone changed it in Grafana after sada read it; publish again to "
            "overwrite, or save those changes in sada's code first",
            "name-exists": "another dashboard with this title or uid exists in the folder; rename or "
            "delete it",
            "plugin-dashboard": "the dashboard belongs to a plugin and cannot be replaced",
        }.get(reason, "Grafana's precondition failed")
        return f"Grafana refused {action} (412 {reason}){said}: {hint}."
    return f"Grafana refused {action} ({status}){said}."


class Publisher:
    def __init__(
        self,
        url: str,
        settings: Settings,
        registry: Registry,
        lang: str = "en",
        events: Iterable[str] = (),
        token: str | None = None,
        overwrite: bool = True,
        attempts: int = 5,
        backoff_s: float = 0.5,
        timeout_s: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
        now: datetime | None = None,
    ):
        """``now``: the moment that picks the event the dashboards open on and the events that
        get a spike rule (running or soon); the current time by default."""
        if not url:
            raise PublishError("no Grafana URL: pass --grafana-url or set SADA_GRAFANA_URL")
        token = (
            token
            if token is not None
            else (settings.grafana_token.get_secret_value() if settings.grafana_token else None)
        )
        self.url = url.rstrip("/")
        self.api = GrafanaApi.from_url(self.url, credential=token or None, timeout=timeout_s)
        if not token and self.api.client.auth is None:
            raise PublishError(f"no Grafana credentials: set {TOKEN_ENV} (a service account token)")
        self.settings, self.registry = settings, registry
        self.lang, self.events = check_lang(lang), sorted(set(events))
        self.overwrite, self.attempts, self.backoff_s, self.sleep = (
            overwrite,
            max(1, attempts),
            backoff_s,
            sleep,
        )
        self.folder = settings.grafana_folder_uid
        self.now = now or datetime.now(UTC)
        self.message = f"Published by sada {_sada_version()} (dashboards as code, {self.lang})"

    # -- one call, retried ---------------------------------------------------------------------

    def _call(
        self, action: str, call: Callable[..., T], *args: Any, missing: bool = False, **kwargs: Any
    ) -> T | None:
        """``call`` with retries on 5xx and lost connections; ``None`` for a 404 when ``missing``."""
        for attempt in range(1, self.attempts + 1):
            try:
                return call(*args, **kwargs)
            except GrafanaClientError as exc:
                if missing and exc.status_code == 404:
                    return None
                raise PublishError(_explain(exc, action, self.url)) from None
            except (
                GrafanaServerError,
                GrafanaTimeoutError,
                GrafanaException,
                niquests.RequestException,
            ) as exc:
                status = getattr(exc, "status_code", 0) or "no answer"
                if attempt == self.attempts:
                    raise PublishError(
                        f"{action} failed after {self.attempts} attempts; last answer: {status} "
                        f"({exc}). Is Grafana at {self.url} up?"
                    ) from None
                delay = self.backoff_s * 2 ** (attempt - 1)
                log.warning(
                    "%s: %s (attempt %d of %d), retrying in %.1f s",
                    action,
                    exc,
                    attempt,
                    self.attempts,
                    delay,
                )
                self.sleep(delay)
        raise AssertionError("unreachable")

    def _find(self, what: str, path: str, call: Callable[..., T], key: str) -> T | None:
        """``what`` as ``call`` reads it at ``key`` (``GET path``), or ``None`` when Grafana has none."""
        return self._call(f"reading {what} (GET {path})", call, key, missing=True)

    # -- the steps -------------------------------------------------------------------------------

    def publish(self) -> list[Change]:
        self._call("reaching Grafana (GET /api/frontend/settings)", self.api.health.check)
        changes = [self._folder(), *self._datasources()]
        changes += [
            self._dashboard(to_data(board))
            for board in build_dashboards(
                self.registry, self.lang, self.events, self.settings.polling.stalled_after, self.now
            )
        ]
        changes += [
            self._rule(rule)
            for rule in alerts.rule_payloads(
                self.registry,
                self.events,
                self.folder,
                self.settings.polling.stalled_after,
                self.lang,
            )
        ]
        return changes

    def _folder(self) -> Change:
        title = self.settings.grafana_folder_title
        path = f"/api/folders/{self.folder}"
        if self._find(f"folder {self.folder}", path, self.api.folder.get_folder, self.folder) is not None:
            return Change("folder", self.folder, "exists")
        self._call(
            f"creating folder {title!r} (POST /api/folders)",
            self.api.folder.create_folder,
            title,
            uid=self.folder,
        )
        return Change("folder", self.folder, "created")

    def _datasources(self) -> list[Change]:
        target = provisioning.clickhouse_target(self.settings)
        wanted = [
            provisioning.clickhouse_datasource(self.settings, target.password),
            provisioning.prometheus_datasource(self.settings),
        ]
        changes = []
        for source in wanted:
            uid, name = source["uid"], source["name"]
            path = f"/api/datasources/uid/{uid}"
            if (
                self._find(f"data source {uid}", path, self.api.datasource.get_datasource_by_uid, uid)
                is not None
            ):
                changes.append(Change("datasource", uid, "exists"))
                continue
            other = self._find(
                f"data source {name!r}",
                "/api/datasources/name/…",
                self.api.datasource.get_datasource_by_name,
                name,
            )
            if other is not None:
                raise PublishError(
                    f"a data source named {name!r} exists with uid {other.get('uid')!r}; the "
                    f"dashboards expect uid {uid!r}: rename or delete it in Grafana"
                )
            self._call(
                f"creating data source {name!r} (POST /api/datasources)",
                self.api.datasource.create_datasource,
                source,
            )
            changes.append(Change("datasource", uid, "created"))
        return changes

    def _dashboard(self, board: dict[str, Any]) -> Change:
        uid = board["uid"]
        current = self._find(
            f"dashboard {uid}", f"/api/dashboards/uid/{uid}", self.api.dashboard.get_dashboard, uid
        )
        if current is not None:
            stored, meta = current.get("dashboard", {}), current.get("meta", {})
            same = all(stored.get(k) == v for k, v in board.items() if k not in ("id", "version"))
            if same and meta.get("folderUid", self.folder) == self.folder:
                return Change("dashboard", uid, f"unchanged (version {stored.get('version')})")
            board = {**board, "id": stored.get("id"), "version": stored.get("version")}
        answer = self._call(
            f"saving dashboard {uid} (POST /api/dashboards/db)",
            self.api.dashboard.update_dashboard,
            {
                "dashboard": board,
                "folderUid": self.folder,
                "overwrite": self.overwrite,
                "message": self.message,
            },
        )
        version = (answer or {}).get("version")
        return Change(
            "dashboard", uid, f"{'updated' if current is not None else 'created'} (version {version})"
        )

    def _rule(self, rule: dict[str, Any]) -> Change:
        uid = rule["uid"]
        path = f"/api/v1/provisioning/alert-rules/{uid}"
        current = self._find(f"alert rule {uid}", path, self.api.alertingprovisioning.get_alertrule, uid)
        if current is None:
            self._call(
                f"creating alert rule {uid} (POST /api/v1/provisioning/alert-rules)",
                self.api.alertingprovisioning.create_alertrule,
                rule,
            )
            return Change("alert-rule", uid, "created")
        if all(current.get(k) == v for k, v in rule.items() if k != "orgID"):
            return Change("alert-rule", uid, "unchanged")
        self._call(
            f"updating alert rule {uid} (PUT {path})",
            self.api.alertingprovisioning.update_alertrule,
            uid,
            rule,
        )
        return Change("alert-rule", uid, "updated")


def publish(
    settings: Settings,
    registry: Registry,
    url: str | None = None,
    lang: str | None = None,
    events: Iterable[str] = (),
    **options: Any,
) -> list[Change]:
    """Everything into the Grafana at ``url`` (default ``SADA_GRAFANA_URL``)."""
    return Publisher(
        url or settings.grafana_url, settings, registry, lang or settings.grafana_lang, events, **options
    ).publish()


def publish_in_background(settings: Settings, store, registry: Registry):
    """An aiohttp ``on_startup`` hook: publish in a daemon thread, so a slow or absent Grafana never
    delays the reporter; the outcome is logged."""

    async def on_startup(app) -> None:
        def run() -> None:
            try:
                from services.reporter.summary import list_events

                events = list_events(store) if store is not None else []
            except ClickHouseError as exc:  # an unready store only costs the stored events' rules
                log.warning("publishing without the stored events' alert rules: %s", exc)
                events = []
            try:
                changes = publish(settings, registry, events=events)
            except (PublishError, ValueError) as exc:
                log.warning("publishing to Grafana at %s failed: %s", settings.grafana_url, exc)
                return
            log.info(
                "published to Grafana at %s: %d changed, %d unchanged",
                settings.grafana_url,
                sum(c.changed for c in changes),
                sum(not c.changed for c in changes),
            )

        thread = threading.Thread(target=run, name="sada-grafana-publish", daemon=True)
        app[PUBLISHING] = thread
        thread.start()

    return on_startup
