"""deploy/k8s agrees with the code: settings, sub-commands, topics, ACLs, ClickHouse and Grafana.

Reads the rendered tree (tests/deploycheck/render.py), so a renamed setting, sub-command or topic
shows up here instead of in a crash-looping pod. What a cluster would refuse or ignore is
tests/unit/test_deploy_checks.py.
"""

from __future__ import annotations

import re

import pytest
import yaml
from deploycheck import render
from deploycheck.pods import containers, name, of_kind, templates

from services.cli import parser
from shared.bus import message_limit, topic_names
from shared.settings import Group, Settings

SERVICES = {"collector", "aggregator", "reporter"}

# Issue 14 names these before the code has them: Kafka TLS/SASL settings (shared/settings.py).
# Drop each from here once the code reads it.
NOT_YET_IN_THE_CODE = {
    "SADA_KAFKA_SECURITY_PROTOCOL",
    "SADA_KAFKA_SASL_MECHANISM",
    "SADA_KAFKA_SASL_USERNAME",
    "SADA_KAFKA_SASL_PASSWORD",
    "SADA_KAFKA_SSL_CAFILE",
}
SUBCOMMANDS_NOT_YET_IN_THE_CODE: set[str] = set()


def env_names() -> set[str]:
    """Every variable shared.settings.Settings reads (groups under their own prefixes)."""
    names = set()
    for field, info in Settings.model_fields.items():
        group = info.annotation
        if isinstance(group, type) and issubclass(group, Group):
            names |= {group.env(sub) for sub in group.model_fields}
        else:
            names.add(f"SADA_{field.upper()}")
    return names | (NOT_YET_IN_THE_CODE - {f"SADA_{f.upper()}" for f in Settings.model_fields})


@pytest.fixture(scope="module")
def docs():
    return render.render()


def _one(docs, kind: str, prefix: str) -> dict:
    [doc] = [d for d in of_kind(docs, kind) if name(d) == prefix or name(d).startswith(f"{prefix}-")]
    return doc


def _config(docs) -> dict[str, str]:
    return _one(docs, "ConfigMap", "sada-config")["data"]


def _settings(docs) -> Settings:
    """Settings from the ConfigMap's SADA_* values (validated like the pods would)."""
    known = {f"SADA_{f.upper()}" for f in Settings.model_fields}
    return Settings(**{k.removeprefix("SADA_").lower(): v for k, v in _config(docs).items() if k in known})


def _sada(docs) -> dict[str, tuple[dict, dict]]:
    """(workload, container) of every container running the sada image, by its sub-command."""
    found = {}
    for workload, template in templates(docs):
        for container in containers(template["spec"]):
            if container["image"].split(":")[0].rsplit("/", 1)[-1] == "sada":
                found[container["args"][0]] = (workload, container)
    return found


def test_no_setting_is_misspelt(docs):
    known = env_names()
    for workload, template in templates(docs):
        for container in containers(template["spec"]):
            names = {item["name"] for item in container.get("env", [])}
            assert {n for n in names if n.startswith("SADA_")} <= known, name(workload)
    for doc in [*of_kind(docs, "ConfigMap"), *render.template_secrets()]:
        keys = {*doc.get("data", {}), *doc.get("stringData", {})}
        unknown = {k for k in keys if k.startswith("SADA_")} - known
        assert not unknown, f"{name(doc)}: not variables of shared.settings: {sorted(unknown)}"
    assert "SADA_CLICKHOUSE_URL" not in _config(docs), "it carries the password: compose it from the Secret"


def test_every_sada_container_runs_a_real_subcommand(docs):
    running = _sada(docs)
    assert set(running) == SERVICES | {"collect", "migrate"}
    for command, (_, container) in running.items():
        assert "command" not in container, "the image's entrypoint is `sada`; args pick the service"
        if command not in SUBCOMMANDS_NOT_YET_IN_THE_CODE:
            assert parser().parse_args(container["args"]).command == command
    assert running["collect"][1]["args"] == ["collect", "--platform", "all"]
    dockerfile = (render.ROOT / "deploy" / "Dockerfile").read_text("utf-8")
    assert re.search(r'^ENTRYPOINT \["sada"\]$', dockerfile, re.MULTILINE)


def test_services_listen_where_the_probes_and_services_look(docs):
    config = _config(docs)
    for command in SERVICES:
        workload, container = _sada(docs)[command]
        port = int(config[f"SADA_{command.upper()}_PORT"])
        assert config[f"SADA_{command.upper()}_HOST"] == "0.0.0.0"
        assert {p["name"]: p["containerPort"] for p in container["ports"]} == {"http": port}
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert {"requests", "limits"} <= container["resources"].keys()


def test_pollers_are_one_singleton_with_their_state_on_a_volume(docs):
    workload, container = _sada(docs)["collect"]
    assert workload["spec"]["replicas"] == 1
    assert workload["spec"]["strategy"] == {"type": "Recreate"}
    env = {item["name"]: item for item in container["env"]}
    state = env["SADA_POLL_STATE_DIR"]["value"]
    volumes = {v["name"]: v for v in workload["spec"]["template"]["spec"]["volumes"]}
    [mount] = [m for m in container["volumeMounts"] if m["mountPath"] == state]
    assert "persistentVolumeClaim" in volumes[mount["name"]]
    sources = {next(iter(ref.values()))["name"] for ref in container["envFrom"]}
    assert "sada-platforms" in sources
    # The collector's replicas hold no platform token: they would all poll.
    _, collector = _sada(docs)["collector"]
    collector_sources = {next(iter(ref.values()))["name"] for ref in collector["envFrom"]}
    assert "sada-platforms" not in collector_sources and "sada-webhooks" in collector_sources
    platforms = _one(render.template_secrets(), "Secret", "sada-platforms")["stringData"]
    assert {k for k in platforms if k.endswith("_TOKEN") and "REFRESH" not in k} == {
        f"SADA_{p.upper()}_TOKEN" for p in ("x", "youtube", "facebook", "instagram", "linkedin", "tiktok")
    }


def test_kafka_clients_authenticate_as_their_own_kafka_user(docs):
    users = {name(u): u for u in of_kind(docs, "KafkaUser")}
    config = _config(docs)
    assert config["SADA_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert config["SADA_KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
    for command in ("collector", "collect", "aggregator"):
        _, container = _sada(docs)[command]
        env = {item["name"]: item for item in container["env"]}
        user = env["SADA_KAFKA_SASL_USERNAME"]["value"]
        assert user in users
        assert env["SADA_KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
            "name": user,
            "key": "password",
        }
    for command in ("reporter", "migrate"):
        env = {item["name"] for item in _sada(docs)[command][1].get("env", [])}
        assert "SADA_KAFKA_SASL_PASSWORD" not in env, f"{command} does not use Kafka"


def _acl_topics(user: dict, operation: str) -> set[str]:
    return {
        acl["resource"]["name"]
        for acl in user["spec"]["authorization"]["acls"]
        if acl["resource"]["type"] == "topic" and operation in acl["operations"]
    }


def test_acls_let_only_the_collector_and_pollers_write_and_the_aggregator_read(docs):
    settings = _settings(docs)
    users = {name(u): u for u in of_kind(docs, "KafkaUser")}
    records = set(topic_names(settings)) - {settings.topic("pollers")}
    assert _acl_topics(users["sada-collector"], "Write") == records
    assert _acl_topics(users["sada-pollers"], "Write") == records | {settings.topic("pollers")}
    assert _acl_topics(users["sada-aggregator"], "Write") == set()
    assert _acl_topics(users["sada-aggregator"], "Read") == set(topic_names(settings))
    groups = [
        a
        for a in users["sada-aggregator"]["spec"]["authorization"]["acls"]
        if a["resource"]["type"] == "group"
    ]
    assert [g["resource"]["name"] for g in groups] == [settings.consumer_group]
    for user in users.values():  # ensure_topics asks to create every topic at start
        assert _acl_topics(user, "Create") == set(topic_names(settings))
    kafka = _one(docs, "Kafka", "sada")
    assert kafka["spec"]["kafka"]["authorization"]["type"] == "simple"
    [listener] = kafka["spec"]["kafka"]["listeners"]
    assert listener["tls"] is True and listener["authentication"]["type"] == "scram-sha-512"
    assert settings.kafka_bootstrap == f"{name(kafka)}-kafka-bootstrap:{listener['port']}"
    assert re.fullmatch(r"\d+\.\d+\.\d+", kafka["spec"]["kafka"]["version"]), "pin the Kafka version"


def test_topics_match_the_code(docs):
    settings = _settings(docs)
    topics = {t["spec"].get("topicName", name(t)): t for t in of_kind(docs, "KafkaTopic")}
    assert set(topics) == set(topic_names(settings)) == set(topic_names(Settings()))
    for topic in topics.values():
        assert topic["spec"]["partitions"] == settings.kafka_partitions
        assert topic["spec"]["config"]["max.message.bytes"] == message_limit(settings)
    replicas = _sada(docs)["aggregator"][0]["spec"]["replicas"]
    assert 1 <= replicas <= settings.kafka_partitions, "an aggregator beyond the partition count sits idle"


def test_availability(docs):
    assert _sada(docs)["reporter"][0]["spec"]["replicas"] >= 2
    hpa = _one(docs, "HorizontalPodAutoscaler", "sada-collector")
    assert hpa["spec"]["minReplicas"] >= 2 and "replicas" not in _sada(docs)["collector"][0]["spec"]
    budgets = {name(b) for b in of_kind(docs, "PodDisruptionBudget")}
    assert {"sada-collector", "sada-aggregator", "sada-reporter"} <= budgets
    kafka = _one(docs, "Kafka", "sada")
    assert kafka["spec"]["kafka"]["template"]["podDisruptionBudget"]["maxUnavailable"] == 1
    assert _one(docs, "KafkaNodePool", "dual-role")["spec"]["template"]["pod"]["topologySpreadConstraints"]
    for kind in ("ClickHouseInstallation", "ClickHouseKeeperInstallation"):
        resource = _one(docs, kind, "sada")
        assert all(c["pdbMaxUnavailable"] == 1 for c in resource["spec"]["configuration"]["clusters"])
        for template in resource["spec"]["templates"]["podTemplates"]:
            assert {"type": "ClickHouseAntiAffinity", "scope": "ClickHouseInstallation"} in template[
                "podDistribution"
            ]


def test_everyone_uses_the_clickhouse_clusters_load_balanced_service(docs):
    chi = _one(docs, "ClickHouseInstallation", "sada")
    [cluster] = chi["spec"]["configuration"]["clusters"]
    config = _config(docs)
    assert config["SADA_CLICKHOUSE_CLUSTER"] == cluster["name"]
    [service] = chi["spec"]["templates"]["serviceTemplates"]
    assert config["CLICKHOUSE_HOST"] == service["generateName"].replace("{chi}", name(chi))
    datasources = yaml.safe_load(next(iter(_one(docs, "ConfigMap", "grafana-datasources")["data"].values())))
    [clickhouse] = [d for d in datasources["datasources"] if d["type"] == "grafana-clickhouse-datasource"]
    assert clickhouse["jsonData"]["host"] == config["CLICKHOUSE_HOST"]
    assert clickhouse["jsonData"]["defaultDatabase"] == config["SADA_CLICKHOUSE_DATABASE"]


def test_migrations_run_once_in_a_job(docs):
    job, container = _sada(docs)["migrate"]
    assert job["kind"] == "Job" and container["args"] == ["migrate"]
    assert not any(probe in container for probe in ("livenessProbe", "startupProbe"))
    assert "activeDeadlineSeconds" not in job["spec"], "a long rebuild must not be killed"


def test_grafana_gets_the_pinned_plugin_and_every_provisioning_file(docs):
    grafana = _one(docs, "Deployment", "grafana")
    [container] = grafana["spec"]["template"]["spec"]["containers"]
    env = {item["name"]: item for item in container["env"]}
    assert re.fullmatch(
        r"grafana-clickhouse-datasource@\d+\.\d+\.\d+", env["GF_PLUGINS_PREINSTALL_SYNC"]["value"]
    )
    mounted = {m["mountPath"] for m in container["volumeMounts"]}
    assert {f"/etc/grafana/provisioning/{d}" for d in ("datasources", "dashboards", "alerting")} <= mounted
    alerting = _one(docs, "ConfigMap", "grafana-alerting")["data"]
    documents = [yaml.safe_load(text) for text in alerting.values()]
    rules = [r for doc in documents for g in doc.get("groups", []) for r in g["rules"]]
    assert any(r["uid"].startswith("sada-stall-") for r in rules), "the collection-stalled alert"
    contact = [c for doc in documents for c in doc.get("contactPoints", [])]
    assert [c["name"] for c in contact] == ["sada"], "the contact point the rules are routed to"
    for var in re.findall(r"\$\{(\w+)\}", " ".join(alerting.values())):
        assert var in env, f"${{{var}}} is not in Grafana's env"
    datasources = next(iter(_one(docs, "ConfigMap", "grafana-datasources")["data"].values()))
    for var in re.findall(r"\$\{(\w+)\}", datasources):
        assert var in env, f"${{{var}}} is not in Grafana's env"


def test_one_images_entry_names_the_sada_image(docs):
    kustomizations = [yaml.safe_load(p.read_text("utf-8")) for p in render.K8S.rglob("kustomization.yaml")]
    entries = [e for k in kustomizations for e in k.get("images", [])]
    assert [e["name"] for e in entries] == ["sada"]
    image = f"{entries[0]['newName']}:{entries[0]['newTag']}"
    assert {c["image"] for _, c in _sada(docs).values()} == {image}
