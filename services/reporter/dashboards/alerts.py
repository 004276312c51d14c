"""Grafana alert rules, evaluated every minute, one of each kind per event.

Spikes (group ``sada-spikes``): query A runs ``trends.sql`` as the Live dashboard's Spikes
panel does, with the evaluation time (``$__toTime``) as ``{at}``; it answers one row per
platform (``all`` for the whole event) and metric with ``spike`` = 1 or 0, which Grafana turns
into one alert instance per row (the text columns become labels). Expression B fires for
``spike > 0``.

Collection stalled (group ``sada-collection``, registry events only: it needs their start and
end): query A runs ``collection_stalled.sql`` at ``$__toTime``, one row per connector polling
the event with ``stalled`` = 1 when it had no successful pass for ``SADA_POLL_STALLED_AFTER``
polling intervals while the event runs; B fires for ``stalled > 0`` held for
:data:`STALL_FOR`, and the alert links the Pipeline health dashboard, whose panel per
connector says why (docs/operations.md, "Collection health").
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from grafana_foundation_sdk.builders import alerting, expr
from grafana_foundation_sdk.models import alerting as alerting_model
from grafana_foundation_sdk.models import common

from services.reporter.dashboards import health
from services.reporter.dashboards import sql as q
from services.reporter.dashboards.live import BASELINE_S, MIN_COUNT, THRESHOLD, WINDOW_S, at_the_wall
from services.reporter.dashboards.model import CLICKHOUSE_UID, SQL, to_data
from shared.registry import Event, Registry

RULE_GROUP = "sada-spikes"
STALL_GROUP = "sada-collection"
STALL_FOR = "5m"  # a stall must last this long (a pass or two late is not one)
EXPRESSIONS = common.DataSourceRef(type_val="__expr__", uid="__expr__")
# "While the event runs" for an event without a start or an end.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2262, 1, 1, tzinfo=UTC)


def rule_uid(event: str, prefix: str = "sada-spike") -> str:
    """A stable uid of at most 40 characters (Grafana's limit) for the event's rule."""
    uid = f"{prefix}-{event}"
    return uid if len(uid) <= 40 else f"{prefix}-{hashlib.sha1(event.encode()).hexdigest()[:16]}"


def spike_sql(event: str) -> str:
    trends = at_the_wall("trends", event, min_count=MIN_COUNT)
    return f"""SELECT if(platform = '', 'all', platform) AS platform, metric,
       toFloat64(ifNull(spike, 0)) AS spike
FROM ({trends})"""


def stalled_sql(event: Event, stalled_after: int) -> str:
    return q.reporter(
        "collection_stalled",
        event=event.slug,
        at=q.Raw("$__toTime"),
        start=event.start or EARLIEST,
        end=event.end or LATEST,
        after=stalled_after,
    )


def above_zero(ref: str, of: str) -> expr.TypeThreshold:
    """Expression ``ref``: fires for each row of query ``of`` whose value is > 0."""
    return (
        expr.TypeThreshold()
        .ref_id(ref)
        .expression(of)
        .datasource(EXPRESSIONS)
        .conditions(
            [
                expr.ExprTypeThresholdConditions().evaluator(
                    expr.ExprTypeThresholdConditionsEvaluator().type("gt").params([0])
                )
            ]
        )
    )


def stall_rule(event: Event, folder_uid: str, stalled_after: int) -> alerting_model.Rule:
    name = event.name("en")
    query = (
        alerting.Query("A")
        .datasource_uid(CLICKHOUSE_UID)
        .model(SQL(stalled_sql(event, stalled_after), "table"))
        .relative_time_range(alerting_model.RelativeTimeRange(from_val=3600, to=0))
    )
    rule = (
        alerting.Rule(f"Collection stalled: {name}")
        .uid(rule_uid(event.slug, "sada-stall"))
        .org_id(1)
        .folder_uid(folder_uid)
        .rule_group(STALL_GROUP)
        .condition("B")
        .for_val(STALL_FOR)
        .no_data_state("OK")  # no poller has reported for the event: nothing is collecting it
        .exec_err_state("Error")
        .with_query(query)
        .with_query(alerting.Query("B").datasource_uid("__expr__").model(above_zero("B", "A")))
        .labels({"sada_event": event.slug})
        .annotations(
            {
                "summary": f"Collection stalled on {name} ({{{{ $labels.connector }}}})",
                "description": f"The {{{{ $labels.connector }}}} poller has had no successful pass for "
                f"{stalled_after} polling intervals while the event runs. The Pipeline health "
                "dashboard says its state (blocked: why and what to do; rate-limited: until when); "
                "GET /v1/pollers on the collector says the same (docs/operations.md, Collection health).",
                "__dashboardUid__": health.UID,
            }
        )
    )
    return rule.build()


def rules(
    registry: Registry, events: list[str], folder_uid: str, stalled_after: int = 3
) -> list[alerting_model.Rule]:
    """The spike rule of every event, then the stall rule of every registry event."""
    out = []
    for slug in sorted(set(events) | set(registry.events)):
        name = registry.get(slug).name("en")
        query = (
            alerting.Query("A")
            .datasource_uid(CLICKHOUSE_UID)
            .model(SQL(spike_sql(slug), "table"))
            .relative_time_range(alerting_model.RelativeTimeRange(from_val=WINDOW_S + BASELINE_S, to=0))
        )
        threshold = above_zero("B", "A")
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
    out.extend(stall_rule(registry.get(slug), folder_uid, stalled_after) for slug in sorted(registry.events))
    return out


def rule_payloads(
    registry: Registry, events: list[str], folder_uid: str, stalled_after: int = 3
) -> list[dict[str, Any]]:
    """The rules as the alerting provisioning API takes them."""
    return [to_data(rule) for rule in rules(registry, events, folder_uid, stalled_after)]


def file_provisioning(
    registry: Registry,
    events: list[str],
    folder_uid: str,
    folder_title: str,
    group: str = RULE_GROUP,
    stalled_after: int = 3,
) -> dict[str, Any]:
    """The rules of ``group`` for Grafana's alerting file provisioning
    (``provisioning/alerting/<group>.yaml``)."""
    payloads = [
        rule
        for rule in rule_payloads(registry, events, folder_uid, stalled_after)
        if rule["ruleGroup"] == group
    ]
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
                    "name": group,
                    "folder": folder_title,
                    "interval": "1m",
                    "rules": [{key: rule[key] for key in keys if key in rule} for rule in payloads],
                }
            ],
        }
        if payloads
        else {"apiVersion": 1, "groups": []}
    )
