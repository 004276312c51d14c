"""Grafana alert rules for spikes: ``trends.sql`` evaluated every minute, one rule per event.

Query A runs ``trends.sql`` as the Live dashboard's Spikes panel does, with the
evaluation time (``$__toTime``) as ``{at}``; it answers one row per platform
(``all`` for the whole event) and metric with ``spike`` = 1 or 0, which
Grafana turns into one alert instance per row (the text columns become labels).
Expression B fires for ``spike > 0``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from grafana_foundation_sdk.builders import alerting, expr
from grafana_foundation_sdk.models import alerting as alerting_model
from grafana_foundation_sdk.models import common

from services.reporter.dashboards.live import BASELINE_S, MIN_COUNT, THRESHOLD, WINDOW_S, at_the_wall
from services.reporter.dashboards.model import CLICKHOUSE_UID, SQL, to_data
from shared.registry import Registry

RULE_GROUP = "sada-spikes"
EXPRESSIONS = common.DataSourceRef(type_val="__expr__", uid="__expr__")


def rule_uid(event: str) -> str:
    """A stable uid of at most 40 characters (Grafana's limit) for the event's rule."""
    uid = f"sada-spike-{event}"
    return uid if len(uid) <= 40 else f"sada-spike-{hashlib.sha1(event.encode()).hexdigest()[:16]}"


def spike_sql(event: str) -> str:
    trends = at_the_wall("trends", event, min_count=MIN_COUNT)
    return f"""SELECT if(platform = '', 'all', platform) AS platform, metric,
       toFloat64(ifNull(spike, 0)) AS spike
FROM ({trends})"""


def rules(registry: Registry, events: list[str], folder_uid: str) -> list[alerting_model.Rule]:
    out = []
    for slug in sorted(set(events) | set(registry.events)):
        name = registry.get(slug).name("en")
        query = (
            alerting.Query("A")
            .datasource_uid(CLICKHOUSE_UID)
            .model(SQL(spike_sql(slug), "table"))
            .relative_time_range(alerting_model.RelativeTimeRange(from_val=WINDOW_S + BASELINE_S, to=0))
        )
        threshold = (
            expr.TypeThreshold()
            .ref_id("B")
            .expression("A")
            .datasource(EXPRESSIONS)
            .conditions(
                [
                    expr.ExprTypeThresholdConditions().evaluator(
                        expr.ExprTypeThresholdConditionsEvaluator().type("gt").params([0])
                    )
                ]
            )
        )
        rule = (
            alerting.Rule(f"Spike: {name}")
            .uid(rule_uid(slug))
            .org_id(1)
            .folder_uid(folder_uid)
            .rule_group(RULE_GROUP)
            .condition("B")
            .for_val("0s")
            .no_data_state("OK")
            .exec_err_state("Error")
            .with_query(query)
            .with_query(alerting.Query("B").datasource_uid("__expr__").model(threshold))
            .labels({"sada_event": slug})
            .annotations(
                {
                    "summary": f"Activity spike on {name} ({{{{ $labels.platform }}}}, "
                    "{{ $labels.metric }})",
                    "description": f"Per-minute volume in the last {WINDOW_S // 60} min is at least "
                    f"{THRESHOLD:g}× the {BASELINE_S // 60} min before it, with at least "
                    f"{MIN_COUNT} in the window (services/reporter/sql/trends.sql).",
                }
            )
        )
        out.append(rule.build())
    return out


def rule_payloads(registry: Registry, events: list[str], folder_uid: str) -> list[dict[str, Any]]:
    """The rules as the alerting provisioning API takes them."""
    return [to_data(rule) for rule in rules(registry, events, folder_uid)]


def file_provisioning(
    registry: Registry, events: list[str], folder_uid: str, folder_title: str
) -> dict[str, Any]:
    """The same rules for Grafana's alerting file provisioning (``provisioning/alerting/*.yaml``)."""
    payloads = rule_payloads(registry, events, folder_uid)
    keys = (
        "uid",
        "title",
        "condition",
        "data",
        "noDataState",
        "execErrState",
        "for",
        "annotations",
        "labels",
    )
    return (
        {
            "apiVersion": 1,
            "groups": [
                {
                    "orgId": 1,
                    "name": RULE_GROUP,
                    "folder": folder_title,
                    "interval": "1m",
                    "rules": [{key: rule[key] for key in keys if key in rule} for rule in payloads],
                }
            ],
        }
        if payloads
        else {"apiVersion": 1, "groups": []}
    )
