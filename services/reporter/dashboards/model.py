"""The pieces the SDK lacks: a ClickHouse target, the data source references, JSON in and out.

grafana-foundation-sdk has no builder for the ClickHouse plugin, so
:class:`ClickHouseQuery` is a small ``Dataquery`` that writes the plugin's v4
target shape, and it is registered with the SDK's runtime so that
``Dashboard.from_json`` turns our targets back into it. The SDK's annotation
target only knows the built-in Grafana source's fields (its own TODO says it
should be a data query), so :func:`annotation` writes the plugin's query as the
target and :func:`load_dashboard` reads it back.
"""

from __future__ import annotations

import json
from typing import Any, Self

from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.cog import runtime as cogruntime
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.cog.plugins import register_default_plugins
from grafana_foundation_sdk.cog.variants import Dataquery
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models import dashboard as dashboard_model

CLICKHOUSE_TYPE = "grafana-clickhouse-datasource"
CLICKHOUSE_UID = "sada-clickhouse"
PROMETHEUS_TYPE = "prometheus"
PROMETHEUS_UID = "sada-prometheus"

CLICKHOUSE = common.DataSourceRef(type_val=CLICKHOUSE_TYPE, uid=CLICKHOUSE_UID)
PROMETHEUS = common.DataSourceRef(type_val=PROMETHEUS_TYPE, uid=PROMETHEUS_UID)

# The plugin's v4 ``format``: how the backend shapes the frame.
FORMAT = {"timeseries": 0, "table": 1}


class ClickHouseQuery(Dataquery):
    """One target of the ClickHouse data source plugin (v4), raw SQL."""

    _KNOWN = ("refId", "datasource", "editorType", "queryType", "format", "rawSql")

    def __init__(
        self,
        raw_sql: str = "",
        ref_id: str = "A",
        query_type: str = "table",
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.raw_sql = raw_sql
        self.ref_id = ref_id
        self.query_type = query_type
        self.extra = dict(extra or {})

    def to_json(self) -> dict[str, object]:
        return {
            "refId": self.ref_id,
            "datasource": CLICKHOUSE.to_json(),
            "editorType": "sql",
            "queryType": self.query_type,
            "format": FORMAT[self.query_type],
            "rawSql": self.raw_sql,
            **self.extra,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        return cls(
            raw_sql=data.get("rawSql", ""),
            ref_id=data.get("refId", "A"),
            query_type=data.get("queryType", "table"),
            extra={k: v for k, v in data.items() if k not in cls._KNOWN},
        )


class SQL(cogbuilder.Builder[ClickHouseQuery]):
    """Builder of a :class:`ClickHouseQuery`, in the SDK's style."""

    def __init__(self, raw_sql: str, query_type: str = "table") -> None:
        if query_type not in FORMAT:
            raise ValueError(f"query_type must be one of {', '.join(FORMAT)}")
        self._internal = ClickHouseQuery(raw_sql=raw_sql, query_type=query_type)

    def ref_id(self, ref_id: str) -> Self:
        self._internal.ref_id = ref_id
        return self

    def build(self) -> ClickHouseQuery:
        return self._internal


class ClickHouseAnnotationTarget(dashboard_model.AnnotationTarget):
    """An annotation's query on the ClickHouse plugin: the plugin's target, as for a panel."""

    def __init__(self, query: ClickHouseQuery) -> None:
        super().__init__()
        self.query = query

    def to_json(self) -> dict[str, object]:
        return self.query.to_json()


class Annotation(cogbuilder.Builder[dashboard_model.AnnotationQuery]):
    """Marks from a ClickHouse query (columns ``time``, ``timeEnd``, ``text``, ``tags``) on every
    time series of the dashboard."""

    def __init__(self, name: str, raw_sql: str, colour: str) -> None:
        self._internal = dashboard_model.AnnotationQuery(
            name=name,
            datasource=CLICKHOUSE,
            enable=True,
            hide=False,
            icon_color=colour,
            target=ClickHouseAnnotationTarget(ClickHouseQuery(raw_sql, ref_id="Anno", query_type="table")),
        )

    def build(self) -> dashboard_model.AnnotationQuery:
        return self._internal


def register() -> None:
    """Teach the SDK's runtime our target and its own panel options (idempotent)."""
    register_default_plugins()
    cogruntime.register_dataquery_variant(
        cogruntime.DataqueryConfig(identifier=CLICKHOUSE_TYPE, from_json_hook=ClickHouseQuery.from_json)
    )


def to_data(value: Any) -> Any:
    """An SDK object (or anything holding them) as plain JSON data."""
    return json.loads(json.dumps(value, cls=JSONEncoder, ensure_ascii=False))


def dumps(value: Any) -> str:
    return json.dumps(value, cls=JSONEncoder, ensure_ascii=False, indent=2) + "\n"


def load_dashboard(data: dict[str, Any]) -> dashboard_model.Dashboard:
    """Exported JSON back into the SDK's model classes."""
    register()
    model = dashboard_model.Dashboard.from_json(data)
    listed = (data.get("annotations") or {}).get("list") or []
    loaded_list = model.annotations.list_val if model.annotations else None
    for loaded, written in zip(loaded_list or [], listed, strict=True):
        target = written.get("target") or {}
        if "rawSql" in target:
            loaded.target = ClickHouseAnnotationTarget(ClickHouseQuery.from_json(target))
    return model
