"""Grafana alert rules, evaluated every minute, in the dashboards' language.

Spikes (group ``sada-spikes``): query A runs ``trends.sql`` as the Live dashboard's spike marks
do, with the evaluation time (``$__toTime``) as ``{at}``; it answers one row per platform
(``all`` for the whole event) and metric with ``spike`` = 1 or 0, which Grafana turns into one
alert instance per row (the text columns become labels). Expression B fires for ``spike > 0``
held for :data:`SPIKE_FOR` (a single busy minute is not a spike a team should be paged for).
Every event gets its rule, which answers only while the event runs or starts within
:data:`SOON` (the registry's dates, in the query: ``queries/spikes_in_window.sql``): last year's
edition never pages anyone, and no export is needed when an event starts. An event the registry
does not date is always in its window (sada cannot tell when it runs).

Collection stalled (group ``sada-collection``, every registry event: its query needs their
start and end, and answers stalled only while the event runs): query A runs
``collection_stalled.sql`` at ``$__toTime``, one row per connector polling the event with
``stalled`` = 1 when it had no successful pass for
``SADA_POLL_STALLED_AFTER`` polling intervals while the event runs, plus a row ``none`` when no
connector has recorded a pass while the event runs (``queries/stalled_or_silent.sql``); B fires
for ``stalled > 0`` held for :data:`STALL_FOR`. Missing data alerts (``noDataState:
Alerting``): a pipeline that answers nothing is not a healthy one.

Every rule links its dashboard (``__dashboardUid__``, and for spikes ``__panelId__`` of the
engagements-per-minute panel where the spike is marked) and is routed to the contact point
:data:`CONTACT_POINT` (``provisioning/alerting/sada-contact-points.yaml``, docs/dashboards.md).
Titles and descriptions come from the label catalogue (``alert.*``) in the export's language.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from grafana_foundation_sdk.builders import alerting, expr
from grafana_foundation_sdk.models import alerting as alerting_model
from grafana_foundation_sdk.models import common

from services.reporter.dashboards import health, live
from services.reporter.dashboards import sql as q
from services.reporter.dashboards.live import BASELINE_S, MIN_COUNT, THRESHOLD, WINDOW_S, at_the_wall
from services.reporter.dashboards.model import CLICKHOUSE_UID, SQL, to_data
from services.reporter.labels import t
from shared.registry import Event, Registry

RULE_GROUP = "sada-spikes"
STALL_GROUP = "sada-collection"
SPIKE_FOR = "3m"  # a spike must hold this long
STALL_FOR = "5m"  # a stall must last this long (a pass or two late is not one)
SOON = timedelta(days=7)  # an event starting within this gets its rules when exported
CONTACT_POINT = "sada"
CONTACT_EMAILS_ENV = "GRAFANA_ALERT_EMAILS"
EXPRESSIONS = common.DataSourceRef(type_val="__expr__", uid="__expr__")
# "While the event runs" for an event without a start or an end.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2262, 1, 1, tzinfo=UTC)


def rule_uid(event: str, prefix: str = "sada-spike") -> str:
    """A stable uid of at most 40 characters (Grafana's limit) for the event's rule."""
    uid = f"{prefix}-{event}"
    return uid if len(uid) <= 40 else f"{prefix}-{hashlib.sha1(event.encode()).hexdigest()[:16]}"


def spike_sql(event: Event) -> str:
    start, end = event.start or EARLIEST + SOON, event.end or LATEST
    trends = at_the_wall("trends", event.slug, min_count=MIN_COUNT)
    window = {"at": q.Raw("$__toTime"), "from": start - SOON, "end": end}
    return q.panel_query("spikes_in_window", trends=q.Raw(trends), **window)


def stalled_sql(event: Event, stalled_after: int) -> str:
    window = {"at": q.Raw("$__toTime"), "start": event.start or EARLIEST, "end": event.end or LATEST}
    stalled = q.reporter("collection_stalled", event=event.slug, after=stalled_after, **window)
    return q.panel_query("stalled_or_silent", stalled=q.Raw(stalled), event=event.slug, **window)


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


def _rule(
    title: str,
    uid: str,
    group: str,
    folder_uid: str,
    sql: str,
    seconds: int,
    hold: str,
    no_data: Literal["Alerting", "OK"],
) -> alerting.Rule:
    query = (
        alerting.Query("A")
        .datasource_uid(CLICKHOUSE_UID)
        .model(SQL(sql, "table"))
        .relative_time_range(alerting_model.RelativeTimeRange(from_val=seconds, to=0))
    )
    return (
        alerting.Rule(title)
        .uid(uid)
        .org_id(1)
        .folder_uid(folder_uid)
        .rule_group(group)
        .condition("B")
        .for_val(hold)
        .no_data_state(no_data)
        .exec_err_state("Error")
        .with_query(query)
        .with_query(alerting.Query("B").datasource_uid("__expr__").model(above_zero("B", "A")))
    )


def spike_rule(event: Event, folder_uid: str, lang: str, panel_id: int) -> alerting_model.Rule:
    name = event.name(lang)
    values = {
        "event": name,
        "window": WINDOW_S // 60,
        "baseline": BASELINE_S // 60,
        "threshold": f"{THRESHOLD:g}",
        "min_count": MIN_COUNT,
        "platform": "{{ $labels.platform }}",  # Grafana's templates, filled per alert instance
        "metric": "{{ $labels.metric }}",
    }
    rule = _rule(
        t("alert.spike.title", lang, event=name),
        rule_uid(event.slug),
        RULE_GROUP,
        folder_uid,
        spike_sql(event),
        WINDOW_S + BASELINE_S,
        SPIKE_FOR,
        "OK",  # no minute of activity: nothing to compare, no spike
    )
    rule.labels({"sada_event": event.slug}).annotations(
        {
            "summary": t("alert.spike.summary", lang, **values),
            "description": t("alert.spike.description", lang, **values),
            "__dashboardUid__": live.UID,
            "__panelId__": str(panel_id),
        }
    )
    return rule.build()


def stall_rule(event: Event, folder_uid: str, stalled_after: int, lang: str = "en") -> alerting_model.Rule:
    name = event.name(lang)
    rule = _rule(
        t("alert.stall.title", lang, event=name),
        rule_uid(event.slug, "sada-stall"),
        STALL_GROUP,
        folder_uid,
        stalled_sql(event, stalled_after),
        3600,
        STALL_FOR,
        "Alerting",  # a pipeline that answers nothing is not a healthy one
    )
    rule.labels({"sada_event": event.slug}).annotations(
        {
            "summary": t("alert.stall.summary", lang, event=name, connector="{{ $labels.connector }}"),
            "description": t(
                "alert.stall.description", lang, after=stalled_after, connector="{{ $labels.connector }}"
            ),
            "__dashboardUid__": health.UID,
        }
    )
    return rule.build()


def rules(
    registry: Registry,
    events: list[str],
    folder_uid: str,
    stalled_after: int = 3,
    lang: str = "en",
) -> list[alerting_model.Rule]:
    """The spike rule of every event, then the stall rule of every registry event (each
    answers only in its event's window)."""
    panel_id = live.ENGAGEMENTS_PANEL_ID
    current = [registry.get(slug) for slug in sorted(set(events) | set(registry.events))]
    out = [spike_rule(event, folder_uid, lang, panel_id) for event in current]
    out += [
        stall_rule(event, folder_uid, stalled_after, lang)
        for event in current
        if event.slug in registry.events
    ]
    return out


def rule_payloads(
    registry: Registry,
    events: list[str],
    folder_uid: str,
    stalled_after: int = 3,
    lang: str = "en",
) -> list[dict[str, Any]]:
    """The rules as the alerting provisioning API takes them."""
    return [to_data(rule) for rule in rules(registry, events, folder_uid, stalled_after, lang)]


def file_provisioning(
    registry: Registry,
    events: list[str],
    folder_uid: str,
    folder_title: str,
    group: str = RULE_GROUP,
    stalled_after: int = 3,
    lang: str = "en",
) -> dict[str, Any]:
    """The rules of ``group`` for Grafana's alerting file provisioning
    (``provisioning/alerting/<group>.yaml``), each routed to :data:`CONTACT_POINT`."""
    payloads = [
        rule
        for rule in rule_payloads(registry, events, folder_uid, stalled_after, lang)
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
    routed = {"notification_settings": {"receiver": CONTACT_POINT}}
    return (
        {
            "apiVersion": 1,
            "groups": [
                {
                    "orgId": 1,
                    "name": group,
                    "folder": folder_title,
                    "interval": "1m",
                    "rules": [{key: rule[key] for key in keys if key in rule} | routed for rule in payloads],
                }
            ],
        }
        if payloads
        else {"apiVersion": 1, "groups": []}
    )


def contact_points() -> dict[str, Any]:
    """The contact point every provisioned rule notifies: e-mail to the addresses in Grafana's
    own environment variable ``GRAFANA_ALERT_EMAILS`` (comma-separated; Grafana expands it
    when it reads the file, as it does the ClickHouse password), one message per alert group."""
    return {
        "apiVersion": 1,
        "contactPoints": [
            {
                "orgId": 1,
                "name": CONTACT_POINT,
                "receivers": [
                    {
                        "uid": "sada-email",
                        "type": "email",
                        "settings": {"addresses": f"${{{CONTACT_EMAILS_ENV}}}", "singleEmail": True},
                        "disableResolveMessage": False,
                    }
                ],
            }
        ],
    }
