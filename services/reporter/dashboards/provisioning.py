"""Grafana file provisioning: the data sources, the dashboards provider and the spike alert rules.

The files go in ``<out>/provisioning/`` and mount as Grafana's
``/etc/grafana/provisioning``; the dashboards (``<out>/dashboards/``) mount at
:data:`DASHBOARDS_PATH`. No secret is ever written: the ClickHouse password is
an environment reference that Grafana resolves when it reads the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from services.reporter.dashboards.model import (
    CLICKHOUSE_TYPE,
    CLICKHOUSE_UID,
    PROMETHEUS_TYPE,
    PROMETHEUS_UID,
)
from shared.settings import Settings

DASHBOARDS_PATH = "/var/lib/grafana/dashboards/sada"
PASSWORD_ENV = "SADA_GRAFANA_CLICKHOUSE_PASSWORD"
DEFAULT_CLICKHOUSE = "http://clickhouse:8123"
PORTS = {"http": 8123, "https": 8443, "native": 9000, "natives": 9440}


@dataclass(frozen=True)
class ClickHouseTarget:
    """Where Grafana's ClickHouse plugin connects: the plugin's ``jsonData`` fields."""

    host: str
    port: int
    protocol: str  # http | native
    secure: bool
    username: str
    password: str | None  # only for the HTTP API, never written to a file


def clickhouse_target(settings: Settings) -> ClickHouseTarget:
    """``SADA_GRAFANA_CLICKHOUSE_URL``, else the reporter's own ClickHouse server, else the default."""
    url = settings.grafana_clickhouse_url
    if not url and settings.clickhouse_url.startswith(("http://", "https://")):
        url = settings.clickhouse_url
    parts = urlsplit(url or DEFAULT_CLICKHOUSE)
    scheme = parts.scheme.lower()
    if scheme not in PORTS:
        raise ValueError(f"SADA_GRAFANA_CLICKHOUSE_URL: scheme {scheme!r} is not one of {', '.join(PORTS)}")
    password = (
        settings.grafana_clickhouse_password.get_secret_value()
        if settings.grafana_clickhouse_password
        else parts.password
    )
    return ClickHouseTarget(
        host=parts.hostname or "localhost",
        port=parts.port or PORTS[scheme],
        protocol="native" if scheme.startswith("native") else "http",
        secure=scheme in ("https", "natives"),
        username=parts.username or "default",
        password=password,
    )


def clickhouse_datasource(settings: Settings, password: str | None) -> dict[str, Any]:
    """The ClickHouse data source (plugin v4) with its fixed uid, as both provisioning and the API take it."""
    target = clickhouse_target(settings)
    source: dict[str, Any] = {
        "name": "ClickHouse (sada)",
        "type": CLICKHOUSE_TYPE,
        "uid": CLICKHOUSE_UID,
        "access": "proxy",
        "isDefault": True,
        "jsonData": {
            "host": target.host,
            "port": target.port,
            "protocol": target.protocol,
            "secure": target.secure,
            "username": target.username,
            "defaultDatabase": settings.clickhouse_database,
        },
    }
    if password is not None:
        source["secureJsonData"] = {"password": password}
    return source


def prometheus_datasource(settings: Settings) -> dict[str, Any]:
    return {
        "name": "Prometheus (sada)",
        "type": PROMETHEUS_TYPE,
        "uid": PROMETHEUS_UID,
        "access": "proxy",
        "url": settings.grafana_prometheus_url,
        "isDefault": False,
        "jsonData": {"httpMethod": "POST"},
    }


def datasources_file(settings: Settings) -> dict[str, Any]:
    clickhouse = clickhouse_datasource(settings, f"${{{PASSWORD_ENV}}}")
    return {
        "apiVersion": 1,
        "datasources": [
            {**clickhouse, "orgId": 1, "editable": False},
            {**prometheus_datasource(settings), "orgId": 1, "editable": False},
        ],
    }


def dashboards_file(settings: Settings) -> dict[str, Any]:
    return {
        "apiVersion": 1,
        "providers": [
            {
                "name": "sada",
                "orgId": 1,
                "type": "file",
                "folder": settings.grafana_folder_title,
                "folderUid": settings.grafana_folder_uid,
                "disableDeletion": False,
                "allowUiUpdates": False,
                "updateIntervalSeconds": 30,
                "options": {"path": DASHBOARDS_PATH, "foldersFromFilesStructure": False},
            }
        ],
    }
