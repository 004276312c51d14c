"""deploy/k8s as a cluster would take it: rendered by kustomize, core kinds validated by
kubernetes-validate (strict: unknown fields are errors), custom resources validated against the
operators' CRDs with the fields the API server would drop reported, and the cross-references of
tests/deploycheck/checks.py. Then the eight one-line breakages of issue 14, each of which the
checks must catch (a check that passes them all checks nothing).
"""

from __future__ import annotations

import subprocess

import kubernetes_validate
import pytest
from deploycheck import checks, crds, render
from deploycheck.mutate import Breakage, Rename

KUBERNETES = "1.37.0"  # the newest schemas kubernetes-validate ships (1.37.x)


@pytest.fixture(scope="module")
def docs():
    return render.render()


def test_the_tree_renders_with_everything_issue_14_asks_for(docs):
    kinds = {
        (
            d["kind"],
            d["metadata"]["name"].rsplit("-", 1)[0] if d["kind"] == "ConfigMap" else d["metadata"]["name"],
        )
        for d in docs
    }
    for wanted in [
        ("Job", "sada-migrate"),
        ("Deployment", "sada-pollers"),
        ("PersistentVolumeClaim", "sada-pollers-state"),
        ("KafkaUser", "sada-collector"),
        ("KafkaUser", "sada-pollers"),
        ("KafkaUser", "sada-aggregator"),
        ("NetworkPolicy", "default-deny-ingress"),
        ("NetworkPolicy", "clickhouse"),
        ("NetworkPolicy", "keeper"),
        ("HorizontalPodAutoscaler", "sada-collector"),
        ("PodDisruptionBudget", "sada-reporter"),
        ("ConfigMap", "grafana-dashboards"),
        ("ConfigMap", "grafana-alerting"),
    ]:
        assert wanted in kinds, wanted
    assert all(d["metadata"].get("namespace") == "sada" for d in docs if d["kind"] != "Namespace")


def test_core_kinds_validate_strictly(docs):
    core = [d for d in docs if not crds.is_custom(d)] + render.template_secrets()
    errors = []
    for doc in core:
        try:
            kubernetes_validate.validate(doc, KUBERNETES, strict=True)
        except kubernetes_validate.ValidationError as exc:
            errors.append(f"{doc['kind']} {doc['metadata']['name']}: {exc.message} at {list(exc.path)}")
    assert not errors, "\n".join(errors)


def test_every_custom_resource_has_a_crd_and_fits_it(docs):
    custom = [d for d in docs if crds.is_custom(d)]
    assert {d["kind"] for d in custom} == {
        "Kafka",
        "KafkaNodePool",
        "KafkaTopic",
        "KafkaUser",
        "ClickHouseInstallation",
        "ClickHouseKeeperInstallation",
    }
    assert {d["apiVersion"] for d in custom} == {
        "kafka.strimzi.io/v1",
        "clickhouse.altinity.com/v1",
        "clickhouse-keeper.altinity.com/v1",
    }
    problems = [p for d in custom for p in crds.problems(d)]
    assert not problems, "\n".join(problems)


def test_the_cross_checks_find_nothing_in_the_tree(docs):
    problems = checks.problems(docs, render.template_secrets())
    assert not problems, "\n".join(problems)


def test_hadolint_passes_the_dockerfile():
    done = subprocess.run(
        [render.tool("hadolint"), "--failure-threshold", "info", str(render.ROOT / "deploy" / "Dockerfile")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


# The eight breakages of issue 14 ("all still passed" the old test_deploy.py).
BREAKAGES = [
    Breakage(
        "a Service selector typo",
        "Service",
        "sada-reporter",
        ("spec", "selector", "app.kubernetes.io/component"),
        "reportr",
        "selects no pod",
    ),
    Breakage(
        "a probe port typo",
        "Deployment",
        "sada-collector",
        (
            "spec",
            "template",
            "spec",
            "containers",
            ("name", "collector"),
            "readinessProbe",
            "httpGet",
            "port",
        ),
        "htpp",
        "readinessProbe port 'htpp'",
    ),
    Breakage(
        "a Secret key typo",
        "ClickHouseInstallation",
        "sada",
        ("spec", "configuration", "users", "sada/password", "valueFrom", "secretKeyRef", "key"),
        "CLICKHOUSE_PASWORD",
        "has no key CLICKHOUSE_PASWORD",
    ),
    Breakage(
        "a KafkaNodePool field misspelt (the API server drops it)",
        "KafkaNodePool",
        "dual-role",
        ("spec", "storage", "volumes", 0, "deleteClaim"),
        Rename("deleteclaim"),
        "deleteclaim: not in the CRD schema",
    ),
    Breakage(
        "min.insync.replicas above the replica count",
        "KafkaTopic",
        "sada.metrics",
        ("spec", "config", "min.insync.replicas"),
        4,
        "min.insync.replicas 4 > 3 replicas",
    ),
    Breakage(
        "a Keeper port",
        "ClickHouseInstallation",
        "sada",
        ("spec", "configuration", "zookeeper", "nodes", 0, "port"),
        2182,
        "keeper-sada:2182",
    ),
    Breakage(
        "a mount path",
        "Deployment",
        "sada-pollers",
        (
            "spec",
            "template",
            "spec",
            "containers",
            ("name", "pollers"),
            "volumeMounts",
            ("name", "state"),
            "mountPath",
        ),
        "/var/lib/sada/poller",
        "SADA_POLL_STATE_DIR=/var/lib/sada/pollers: on no volume",
    ),
    Breakage(
        "a ConfigMap name",
        "Deployment",
        "grafana",
        ("spec", "template", "spec", "volumes", ("name", "dashboards"), "configMap", "name"),
        "grafana-dashboards",
        "configMap grafana-dashboards does not exist",
    ),
]


@pytest.mark.parametrize("breakage", BREAKAGES, ids=lambda b: b.why)
def test_each_breakage_fails_the_checks(breakage: Breakage):
    docs = render.render()
    breakage.apply(docs)
    problems = checks.problems(docs, render.template_secrets())
    assert problems, f"{breakage.why}: the checks found nothing"
    assert any(breakage.caught_by in p for p in problems), "\n".join(problems)
