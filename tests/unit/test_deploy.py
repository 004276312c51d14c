"""deploy/k8s agrees with the code: settings, probes, commands, topics.

Reads the YAML files as they are (no kustomize, no cluster, no network), so a
renamed setting, route, sub-command or topic shows up here instead of in a
crash-looping pod. Rendering and schema checks: deploy/k8s/README.md.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

from services.cli import parser
from shared.bus import topic_names
from shared.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
SERVICES = {"collector", "aggregator", "reporter"}


def _documents() -> list[tuple[Path, dict]]:
    docs = []
    for path in sorted(K8S.rglob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text("utf-8")):
            if doc:
                docs.append((path, doc))
    return docs


DOCS = _documents()


def _kind(kind: str) -> list[dict]:
    return [doc for _, doc in DOCS if doc.get("kind") == kind]


def _one(kind: str, name: str) -> dict:
    [doc] = [doc for doc in _kind(kind) if doc["metadata"]["name"] == name]
    return doc


def _config() -> dict[str, str]:
    return _one("ConfigMap", "sada-config")["data"]


def _settings() -> Settings:
    """Settings from the ConfigMap's SADA_* values alone (validated like the pods would)."""
    return Settings(
        **{
            key.removeprefix("SADA_").lower(): value
            for key, value in _config().items()
            if key.startswith("SADA_")
        }
    )


def _sada_deployments() -> dict[str, dict]:
    """The Deployments that run the sada image, by service name."""
    found = {}
    for deployment in _kind("Deployment"):
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        if container["image"].split(":")[0] == "sada":
            found[container["args"][0]] = deployment
    return found


def _constants(path: Path) -> dict[str, object]:
    """Module-level NAME = "literal" assignments, read without importing the module."""
    found = {}
    for node in ast.parse(path.read_text("utf-8")).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value.value
    return found


def test_every_yaml_parses_and_is_a_kubernetes_object():
    assert DOCS, f"no YAML under {K8S}"
    for path, doc in DOCS:
        assert {"apiVersion", "kind"} <= doc.keys(), path


def test_kustomizations_list_only_existing_files_and_every_manifest_is_listed():
    listed = set()
    for path, doc in DOCS:
        if doc["kind"] not in ("Kustomization", "Component"):
            continue
        for entry in doc.get("resources", []):
            target = (path.parent / entry).resolve()
            assert target.exists(), f"{path}: {entry} does not exist"
            listed.add(target)
        for generator in doc.get("configMapGenerator", []):
            for file in generator.get("files", []):
                assert (path.parent / file).is_file(), f"{path}: {file} does not exist"
    manifests = {path.resolve() for path, doc in DOCS if doc["kind"] not in ("Kustomization", "Component")}
    # The secrets are a template on purpose: applying it would replace real secrets with empty ones.
    template = (K8S / "secrets.template.yaml").resolve()
    assert template not in listed
    assert manifests - listed == {template}


def test_configmap_names_only_real_settings_with_valid_values():
    fields = {f"SADA_{name.upper()}" for name in Settings.model_fields}
    unknown = {key for key in _config() if key.startswith("SADA_")} - fields
    assert not unknown, f"not fields of shared.settings.Settings: {sorted(unknown)}"
    settings = _settings()
    assert settings.kafka_bootstrap, "distributed mode needs SADA_KAFKA_BOOTSTRAP"
    assert "SADA_CLICKHOUSE_URL" not in _config(), "it carries the password: compose it from the Secret"


def test_secrets_are_a_template_without_values():
    secrets = _kind("Secret")
    assert {s["metadata"]["name"] for s in secrets} == {"sada-ingest", "sada-clickhouse", "sada-grafana"}
    for secret in secrets:
        assert "data" not in secret
        assert all(value == "" for value in secret["stringData"].values()), secret["metadata"]["name"]
    fields = {f"SADA_{name.upper()}" for name in Settings.model_fields}
    assert "SADA_INGEST_TOKENS" in _one("Secret", "sada-ingest")["stringData"]
    for secret in secrets:
        assert {k for k in secret["stringData"] if k.startswith("SADA_")} <= fields


def test_one_deployment_per_service_running_a_real_sada_subcommand():
    deployments = _sada_deployments()
    assert set(deployments) == SERVICES
    for name, deployment in deployments.items():
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        assert "command" not in container, "the image's entrypoint is `sada`; args pick the service"
        assert container["args"] == [name]
        assert parser().parse_args(container["args"]).command == name  # a real `sada` sub-command
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text("utf-8")
    assert re.search(r'^ENTRYPOINT \["sada"\]$', dockerfile, re.MULTILINE)


def test_probes_point_at_healthz_and_readyz_on_the_service_port():
    config = _config()
    for name, deployment in _sada_deployments().items():
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        port = int(config[f"SADA_{name.upper()}_PORT"])
        assert config[f"SADA_{name.upper()}_HOST"] == "0.0.0.0"
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert ports == {"http": port}
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
        assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true"
        assert annotations["prometheus.io/path"] == "/metrics"
        assert annotations["prometheus.io/port"] == str(port)
        assert {"requests", "limits"} <= container["resources"].keys()


def test_deployments_read_settings_from_the_configmap_and_secrets():
    fields = {f"SADA_{name.upper()}" for name in Settings.model_fields}
    needs_clickhouse = {"aggregator", "reporter"}
    for name, deployment in _sada_deployments().items():
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        sources = {next(iter(ref.values()))["name"] for ref in container["envFrom"]}
        assert "sada-config" in sources
        assert ("sada-ingest" in sources) == (name == "collector")
        assert ("sada-clickhouse" in sources) == (name in needs_clickhouse)
        env = {item["name"]: item.get("value") for item in container.get("env", [])}
        assert {key for key in env if key.startswith("SADA_")} <= fields
        if name in needs_clickhouse:
            url = env["SADA_CLICKHOUSE_URL"]
            assert url.startswith("http://")
            # Every $(VAR) must come from the ConfigMap or the Secret, or Kubernetes leaves it as is.
            for var in re.findall(r"\$\((\w+)\)", url):
                assert var in _config() or var == "CLICKHOUSE_PASSWORD", var


def test_topics_match_the_code_and_the_partition_setting():
    settings = _settings()
    topics = {t.get("spec", {}).get("topicName", t["metadata"]["name"]): t for t in _kind("KafkaTopic")}
    assert set(topics) == set(topic_names(settings)) == set(topic_names(Settings()))
    kafka = _one("Kafka", "sada")["metadata"]["name"]
    for topic in topics.values():
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == kafka
        assert topic["spec"]["partitions"] == settings.kafka_partitions
        assert topic["spec"]["replicas"] >= 3
    replicas = _sada_deployments()["aggregator"]["spec"]["replicas"]
    assert 1 <= replicas <= settings.kafka_partitions, "an aggregator beyond the partition count sits idle"
    assert _sada_deployments()["collector"]["spec"]["replicas"] == 2


def test_bootstrap_points_at_the_strimzi_plain_listener():
    kafka = _one("Kafka", "sada")
    assert kafka["apiVersion"] == "kafka.strimzi.io/v1"
    assert "zookeeper" not in kafka["spec"]
    [plain] = [listener for listener in kafka["spec"]["kafka"]["listeners"] if not listener["tls"]]
    assert _settings().kafka_bootstrap == f"{kafka['metadata']['name']}-kafka-bootstrap:{plain['port']}"
    pools = [p for p in _kind("KafkaNodePool") if p["metadata"]["labels"]["strimzi.io/cluster"] == "sada"]
    assert sum(p["spec"]["replicas"] for p in pools if "broker" in p["spec"]["roles"]) == 3


def test_clickhouse_host_is_replica_0_0_of_the_installation():
    chi = _one("ClickHouseInstallation", "sada")
    [cluster] = chi["spec"]["configuration"]["clusters"]
    assert cluster["layout"] == {"shardsCount": 1, "replicasCount": 2}
    # Non-replicated tables: every reader and writer must use the same replica.
    assert _config()["CLICKHOUSE_HOST"] == f"chi-{chi['metadata']['name']}-{cluster['name']}-0-0"
    keeper = _one("ClickHouseKeeperInstallation", "sada")
    assert (
        chi["spec"]["configuration"]["zookeeper"]["nodes"][0]["host"]
        == f"keeper-{keeper['metadata']['name']}"
    )


def test_grafana_has_the_plugin_and_the_data_source_the_dashboards_use():
    grafana = _one("Deployment", "grafana")
    [container] = grafana["spec"]["template"]["spec"]["containers"]
    env = {item["name"]: item for item in container["env"]}
    assert "grafana-clickhouse-datasource" in env["GF_INSTALL_PLUGINS"]["value"]
    provisioning = yaml.safe_load(_one("ConfigMap", "grafana-datasources")["data"]["sada.yaml"])
    sources = {source["uid"]: source for source in provisioning["datasources"]}
    model = _constants(ROOT / "services" / "reporter" / "dashboards" / "model.py")
    assert (
        sources[model["CLICKHOUSE_UID"]]["type"]
        == model["CLICKHOUSE_TYPE"]
        == "grafana-clickhouse-datasource"
    )
    assert sources[model["PROMETHEUS_UID"]]["type"] == model["PROMETHEUS_TYPE"]
    clickhouse = sources[model["CLICKHOUSE_UID"]]
    assert clickhouse["jsonData"]["protocol"] == "http"
    assert clickhouse["jsonData"]["defaultDatabase"] == _settings().clickhouse_database
    for var in re.findall(r"\$(\w+)", yaml.safe_dump(provisioning)):
        assert var in env, f"${var} is not in Grafana's env"


def test_wait_for_topics_script_is_python():
    ast.parse((K8S / "sada" / "wait_for_topics.py").read_text("utf-8"))


@pytest.mark.parametrize("path", sorted(K8S.rglob("*.yaml")), ids=lambda p: str(p.relative_to(K8S)))
def test_no_yaml_anchors(path: Path):
    """kustomize handles YAML anchors poorly; keep the manifests plain."""
    assert not re.search(r"[&*][A-Za-z][\w-]*\s*$", path.read_text("utf-8"), re.MULTILINE)
