"""Checks of a rendered tree that a schema cannot make: each returns the problems it finds, one
line each, and an empty list when there are none. ``problems`` runs them all (and the CRD check);
the mutation tests break the tree one line at a time and expect it to say so.

- selectors: Services, NetworkPolicies, PodDisruptionBudgets, spread constraints and Strimzi's
  listener peers select pods that exist; named target ports exist on those pods;
- probe ports: every probe (and the prometheus.io/port annotation) names a port of its container;
- references: every ConfigMap and Secret (and key) a pod or a custom resource names exists in the
  tree, in secrets.template.yaml or among the Secrets the operators make (Strimzi: one per
  KafkaUser with ``password``, ``<cluster>-cluster-ca-cert`` with ``ca.crt``); every volume
  mount names a volume and every claim a PersistentVolumeClaim; every ``$(VAR)`` is defined;
- mounted paths: a file or directory a container is told about (``*_FILE``, ``*_DIR``,
  ``*_CAFILE``, ``*_CERTFILE``, ``*_KEYFILE``, ``MPLCONFIGDIR``) is on one of its volumes (the
  root filesystem is read-only), and a file on a ConfigMap or Secret volume is one of its keys;
  Grafana's dashboard provider reads a directory that is mounted;
- topics fit: min.insync.replicas <= replicas <= brokers, and the cluster-wide defaults too;
- Keeper: ClickHouse's ZooKeeper nodes are a Keeper installation's service and client port.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any

import yaml

from deploycheck import crds
from deploycheck.pods import (
    Doc,
    Pod,
    containers,
    keeper_client_port,
    label,
    name,
    of_kind,
    pods,
    templates,
)

PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
PATH_VARIABLE = re.compile(r"(_FILE|_DIR|_CAFILE|_CERTFILE|_KEYFILE)$|^MPLCONFIGDIR$")


def problems(docs: list[Doc], template: list[Doc]) -> list[str]:
    found = [p for doc in docs if crds.is_custom(doc) for p in crds.problems(doc)]
    found += selectors(docs)
    found += probe_ports(docs)
    found += references(docs, template)
    found += mounted_paths(docs)
    found += topics_fit(docs)
    found += keeper(docs)
    return found


# --- selectors ---------------------------------------------------------------------------------


def _selected(all_pods: list[Pod], selector: dict[str, str] | None) -> list[Pod]:
    return [pod for pod in all_pods if pod.matches(selector)]


def _has_port(pod: Pod, port: str | int) -> bool:
    return port in (pod.ports if isinstance(port, str) else pod.numbers)


def selectors(docs: list[Doc]) -> list[str]:
    all_pods = pods(docs)
    found = _services(docs, all_pods)
    for policy in of_kind(docs, "NetworkPolicy"):
        found += _policy(policy, all_pods)
    found += _spread(docs, all_pods)
    for budget in of_kind(docs, "PodDisruptionBudget"):
        if not _selected(all_pods, budget["spec"]["selector"].get("matchLabels")):
            found.append(f"{label(budget)}: its selector selects no pod")
    for kafka in of_kind(docs, "Kafka"):
        for listener in kafka["spec"]["kafka"].get("listeners", []):
            for peer in listener.get("networkPolicyPeers", []):
                if "podSelector" in peer and not _selected(all_pods, peer["podSelector"].get("matchLabels")):
                    found.append(f"{label(kafka)}: listener {listener['name']}: a peer selects no pod")
    for scaler in of_kind(docs, "HorizontalPodAutoscaler"):
        ref = scaler["spec"]["scaleTargetRef"]
        if not [d for d in of_kind(docs, ref["kind"]) if name(d) == ref["name"]]:
            found.append(f"{label(scaler)}: scales {ref['kind']} {ref['name']}, which is not in the tree")
    return found


def _services(docs: list[Doc], all_pods: list[Pod]) -> list[str]:
    found = []
    for service in of_kind(docs, "Service"):
        chosen = _selected(all_pods, service["spec"].get("selector"))
        if not chosen:
            found.append(f"{label(service)}: its selector {service['spec'].get('selector')} selects no pod")
            continue
        for port in service["spec"].get("ports", []):
            target = port.get("targetPort", port["port"])
            if not any(_has_port(pod, target) for pod in chosen):
                found.append(f"{label(service)}: targetPort {target!r} is not a port of the pods it selects")
    return found


def _spread(docs: list[Doc], all_pods: list[Pod]) -> list[str]:
    """A topology spread constraint that does not select the pods it is on spreads nothing."""
    found = []
    for workload, template in templates(docs):
        own = Pod(label(workload), None, template["metadata"].get("labels", {}))
        for spread in template["spec"].get("topologySpreadConstraints", []):
            if not own.matches(spread["labelSelector"].get("matchLabels")):
                found.append(f"{label(workload)}: a topology spread constraint does not select its own pods")
    for pool in of_kind(docs, "KafkaNodePool"):
        mine = [pod for pod in all_pods if pod.owner == label(pool)]
        for spread in pool["spec"].get("template", {}).get("pod", {}).get("topologySpreadConstraints", []):
            if not _selected(mine, spread["labelSelector"].get("matchLabels")):
                found.append(f"{label(pool)}: a topology spread constraint does not select its own pods")
    return found


def _policy(policy: Doc, all_pods: list[Pod]) -> list[str]:
    found = []
    spec = policy["spec"]
    own_selector = spec["podSelector"].get("matchLabels")
    targets = _selected(all_pods, own_selector) if own_selector else all_pods
    if not targets:
        found.append(f"{label(policy)}: its podSelector {own_selector} selects no pod")
    for rule in spec.get("ingress", []):
        for peer in rule.get("from", []):
            selector = peer.get("podSelector", {}).get("matchLabels")
            if selector and "namespaceSelector" not in peer and not _selected(all_pods, selector):
                found.append(f"{label(policy)}: a peer {selector} selects no pod")
        for port in rule.get("ports", []):
            number = port.get("port")
            if number is None:
                continue
            if targets and not any(_has_port(pod, number) for pod in targets):
                found.append(f"{label(policy)}: port {number!r} is not a port of the pods it selects")
    return found


# --- probe ports -------------------------------------------------------------------------------


def probe_ports(docs: list[Doc]) -> list[str]:
    found = []
    for workload, template in templates(docs):
        annotations = template["metadata"].get("annotations", {})
        numbers: set[int] = set()
        for container in containers(template["spec"]):
            ports = container.get("ports", [])
            names = {p["name"] for p in ports if "name" in p}
            numbers |= {p["containerPort"] for p in ports}
            for probe_name in PROBES:
                probe = container.get(probe_name)
                if not probe:
                    continue
                action = probe.get("httpGet") or probe.get("tcpSocket") or probe.get("grpc") or {}
                port = action.get("port")
                if port is None:
                    continue
                if not (
                    port in names if isinstance(port, str) else port in {p["containerPort"] for p in ports}
                ):
                    found.append(
                        f"{label(workload)}: container {container['name']}: {probe_name} port {port!r} "
                        "is not one of its ports"
                    )
        scraped = annotations.get("prometheus.io/port")
        if scraped is not None and int(scraped) not in numbers:
            found.append(f"{label(workload)}: prometheus.io/port {scraped} is not a container port")
    return found


# --- references --------------------------------------------------------------------------------


def _keys(doc: Doc) -> set[str]:
    return {*doc.get("data", {}), *doc.get("stringData", {}), *doc.get("binaryData", {})}


def _available(docs: list[Doc], template: list[Doc]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(ConfigMaps, Secrets): name -> keys, of the tree, the template and the operators."""
    config_maps = {name(d): _keys(d) for d in of_kind(docs, "ConfigMap")}
    secrets = {name(d): _keys(d) for d in [*of_kind(docs, "Secret"), *of_kind(template, "Secret")]}
    for user in of_kind(docs, "KafkaUser"):
        if user["spec"].get("authentication", {}).get("type") == "scram-sha-512":
            secrets[name(user)] = {"password", "sasl.jaas.config"}
    for kafka in of_kind(docs, "Kafka"):
        secrets[f"{name(kafka)}-cluster-ca-cert"] = {"ca.crt", "ca.p12", "ca.password"}
    return config_maps, secrets


def _walk(value: Any, path: str = "") -> Iterator[tuple[str, str, Doc]]:
    """(path, key, dict) of every dict under ``value`` reached through ``key``."""
    if isinstance(value, dict):
        for key, child in value.items():
            if isinstance(child, dict):
                yield path, key, child
            yield from _walk(child, f"{path}.{key}")
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _walk(child, f"{path}[{i}]")


def references(docs: list[Doc], template: list[Doc]) -> list[str]:
    config_maps, secrets = _available(docs, template)
    kinds = {
        "configMapKeyRef": config_maps,
        "secretKeyRef": secrets,
        "configMapRef": config_maps,
        "secretRef": secrets,
    }
    found = []
    for doc in docs:
        for path, key, ref in _walk(doc.get("spec", {}), "spec"):
            if key not in kinds or "name" not in ref:
                continue
            known = kinds[key]
            if ref["name"] not in known:
                found.append(f"{label(doc)}: {path}.{key}: {ref['name']} does not exist")
            elif "key" in ref and ref["key"] not in known[ref["name"]]:
                found.append(f"{label(doc)}: {path}.{key}: {ref['name']} has no key {ref['key']}")
    claims = {name(d) for d in of_kind(docs, "PersistentVolumeClaim")}
    for workload, template_ in templates(docs):
        found += _volumes(label(workload), template_["spec"], config_maps, secrets, claims)
        for container in containers(template_["spec"]):
            found += _expansions(label(workload), container, config_maps, secrets)
    return found


def _volumes(
    owner: str, spec: Doc, config_maps: dict[str, set[str]], secrets: dict[str, set[str]], claims: set[str]
) -> list[str]:
    found = []
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    for volume in volumes.values():
        for kind, known, field in (("configMap", config_maps, "name"), ("secret", secrets, "secretName")):
            if kind not in volume:
                continue
            source = volume[kind]
            if source[field] not in known:
                found.append(f"{owner}: volume {volume['name']}: {kind} {source[field]} does not exist")
                continue
            for item in source.get("items", []):
                if item["key"] not in known[source[field]]:
                    found.append(
                        f"{owner}: volume {volume['name']}: {source[field]} has no key {item['key']}"
                    )
        claim = volume.get("persistentVolumeClaim", {}).get("claimName")
        if claim is not None and claim not in claims:
            found.append(f"{owner}: volume {volume['name']}: PersistentVolumeClaim {claim} does not exist")
    for container in containers(spec):
        for mount in container.get("volumeMounts", []):
            if mount["name"] not in volumes:
                found.append(f"{owner}: container {container['name']} mounts {mount['name']}, not a volume")
    return found


def _environment(container: Doc, config_maps: dict[str, set[str]], secrets: dict[str, set[str]]) -> set[str]:
    names = set()
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            names |= config_maps.get(source["configMapRef"]["name"], set())
        if "secretRef" in source:
            names |= secrets.get(source["secretRef"]["name"], set())
    return names


def _expansions(
    owner: str, container: Doc, config_maps: dict[str, set[str]], secrets: dict[str, set[str]]
) -> list[str]:
    """Kubernetes expands $(VAR) only from variables defined before: a typo stays as text."""
    defined = _environment(container, config_maps, secrets)
    found = []
    for item in container.get("env", []):
        for var in re.findall(r"\$\((\w+)\)", item.get("value", "")):
            if var not in defined:
                found.append(
                    f"{owner}: container {container['name']}: {item['name']} uses $({var}), undefined above"
                )
        defined.add(item["name"])
    return found


# --- mounted paths -----------------------------------------------------------------------------


def _config_values(docs: list[Doc], container: Doc) -> dict[str, str]:
    values: dict[str, str] = {}
    data = {name(d): d.get("data", {}) for d in of_kind(docs, "ConfigMap")}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            values.update(data.get(source["configMapRef"]["name"], {}))
    for item in container.get("env", []):
        if "value" in item:
            values[item["name"]] = item["value"]
    return values


def mounted_paths(docs: list[Doc]) -> list[str]:
    found = []
    data = {name(d): d.get("data", {}) for d in of_kind(docs, "ConfigMap")}
    for workload, template in templates(docs):
        volumes = {v["name"]: v for v in template["spec"].get("volumes", [])}
        for container in containers(template["spec"]):
            mounts = container.get("volumeMounts", [])
            for variable, value in _config_values(docs, container).items():
                if not PATH_VARIABLE.search(variable) or not str(value).startswith("/"):
                    continue
                problem = _on_a_volume(PurePosixPath(value), mounts, volumes)
                if problem:
                    found.append(
                        f"{label(workload)}: container {container['name']}: {variable}={value}: {problem}"
                    )
            if container["name"] == "grafana":
                found += _grafana_paths(label(workload), mounts, volumes, data)
    return found


def _on_a_volume(path: PurePosixPath, mounts: list[Doc], volumes: dict[str, Doc]) -> str | None:
    for mount in sorted(mounts, key=lambda m: -len(m["mountPath"])):
        root = PurePosixPath(mount["mountPath"])
        if path != root and root not in path.parents:
            continue
        volume = volumes.get(mount["name"], {})
        files = volume.get("configMap") or volume.get("secret")
        if files is not None and path != root:
            listed = {item["path"] for item in files.get("items", [])}
            if listed and str(path.relative_to(root)) not in listed:
                return f"not among the files of volume {mount['name']} ({sorted(listed)})"
        return None
    return "on no volume of the container (its root filesystem is read-only)"


def _grafana_paths(
    owner: str, mounts: list[Doc], volumes: dict[str, Doc], data: dict[str, dict]
) -> list[str]:
    """The dashboard provider's directory is a mounted ConfigMap holding the dashboards."""
    by_path = {m["mountPath"]: volumes.get(m["name"], {}) for m in mounts}
    providers = by_path.get("/etc/grafana/provisioning/dashboards", {}).get("configMap")
    if providers is None:
        return [f"{owner}: nothing mounted at /etc/grafana/provisioning/dashboards"]
    found = []
    for text in data.get(providers["name"], {}).values():
        for provider in yaml.safe_load(text).get("providers", []):
            directory = provider.get("options", {}).get("path")
            source = by_path.get(directory, {}).get("configMap")
            if source is None:
                found.append(
                    f"{owner}: dashboard provider {provider['name']} reads {directory}: nothing mounted"
                )
            elif not any(key.endswith(".json") for key in data.get(source["name"], {})):
                found.append(f"{owner}: {directory} holds no dashboard (ConfigMap {source['name']})")
    return found


# --- Kafka and Keeper --------------------------------------------------------------------------


def _brokers(docs: list[Doc], cluster: str) -> int:
    return sum(
        pool["spec"]["replicas"]
        for pool in of_kind(docs, "KafkaNodePool")
        if pool["metadata"].get("labels", {}).get("strimzi.io/cluster") == cluster
        and "broker" in pool["spec"].get("roles", [])
    )


def topics_fit(docs: list[Doc]) -> list[str]:
    found = []
    for kafka in of_kind(docs, "Kafka"):
        brokers = _brokers(docs, name(kafka))
        config = kafka["spec"]["kafka"].get("config", {})
        found += _cluster_defaults(kafka, config, brokers)
        for topic in of_kind(docs, "KafkaTopic"):
            if topic["metadata"].get("labels", {}).get("strimzi.io/cluster") == name(kafka):
                found += _topic(topic, config, brokers)
        for config_map in of_kind(docs, "ConfigMap"):
            factor = config_map.get("data", {}).get("SADA_KAFKA_REPLICATION_FACTOR")
            if factor is not None and int(factor) > brokers:
                found.append(
                    f"{label(config_map)}: SADA_KAFKA_REPLICATION_FACTOR {factor} > {brokers} brokers"
                )
    if of_kind(docs, "KafkaTopic") and not of_kind(docs, "Kafka"):
        found.append("KafkaTopics but no Kafka in the tree")
    return found


def _cluster_defaults(kafka: Doc, config: dict[str, Any], brokers: int) -> list[str]:
    found = []
    for key in (
        "default.replication.factor",
        "offsets.topic.replication.factor",
        "transaction.state.log.replication.factor",
    ):
        if int(config.get(key, 1)) > brokers:
            found.append(f"{label(kafka)}: {key} {config[key]} > {brokers} brokers")
    for isr, factor in (
        ("min.insync.replicas", "default.replication.factor"),
        ("transaction.state.log.min.isr", "transaction.state.log.replication.factor"),
    ):
        if int(config.get(isr, 1)) > int(config.get(factor, 1)):
            found.append(f"{label(kafka)}: {isr} above {factor}")
    return found


def _topic(topic: Doc, config: dict[str, Any], brokers: int) -> list[str]:
    found = []
    replicas = int(topic["spec"].get("replicas", config.get("default.replication.factor", 1)))
    isr = int(
        topic["spec"].get("config", {}).get("min.insync.replicas", config.get("min.insync.replicas", 1))
    )
    if replicas > brokers:
        found.append(f"{label(topic)}: {replicas} replicas > {brokers} brokers")
    if isr > replicas:
        found.append(f"{label(topic)}: min.insync.replicas {isr} > {replicas} replicas: acks=all writes fail")
    return found


def keeper(docs: list[Doc]) -> list[str]:
    services = {
        f"keeper-{name(chk)}": keeper_client_port(chk)
        for chk in of_kind(docs, "ClickHouseKeeperInstallation")
    }
    found = []
    for chi in of_kind(docs, "ClickHouseInstallation"):
        for node in chi["spec"].get("configuration", {}).get("zookeeper", {}).get("nodes", []):
            host, port = node["host"], int(node.get("port", 2181))
            if host not in services:
                found.append(
                    f"{label(chi)}: ZooKeeper node {host} is not a Keeper service ({sorted(services)})"
                )
            elif port != services[host]:
                found.append(
                    f"{label(chi)}: ZooKeeper node {host}:{port}, but that Keeper listens on {services[host]}"
                )
    return found
