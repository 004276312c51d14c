"""The pods a rendered tree makes: those of its workloads (their pod templates) and those the
operators make from its custom resources, with the labels they carry.

Operator pod labels (what Services and NetworkPolicies may select):
- Strimzi: ``strimzi.io/cluster``, ``strimzi.io/kind: Kafka``, ``strimzi.io/name: <cluster>-kafka``,
  ``strimzi.io/pool-name``, ``strimzi.io/broker-role``/``controller-role`` (Strimzi docs,
  "Labels and annotations");
- Altinity: ``clickhouse.altinity.com/chi``, ``/cluster``, ``/app: chop`` on ClickHouse pods and
  the same under ``clickhouse-keeper.altinity.com`` with ``chk`` on Keeper pods
  (clickhouse-operator 0.25, pkg/model/chi|chk/tags/labeler/list.go). Their ports: Keeper
  client 2181 and Raft 9444 (pkg/apis/clickhouse.altinity.com/v1/type_host.go), ClickHouse
  HTTP 8123, native 9000, interserver 9009.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

Doc = dict[str, Any]

WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet")
KEEPER_CLIENT_PORT = 2181


@dataclass
class Pod:
    """One kind of pod: where it comes from, its labels, its containers' ports."""

    owner: str
    namespace: str | None
    labels: dict[str, str]
    ports: dict[str, int] = field(default_factory=dict)  # name -> number ("" names: numbers only)
    numbers: set[int] = field(default_factory=set)

    def matches(self, selector: dict[str, str] | None) -> bool:
        return bool(selector) and all(self.labels.get(k) == v for k, v in selector.items())


def of_kind(docs: list[Doc], kind: str) -> list[Doc]:
    return [doc for doc in docs if doc.get("kind") == kind]


def name(doc: Doc) -> str:
    return doc["metadata"]["name"]


def label(doc: Doc) -> str:
    return f"{doc['kind']} {name(doc)}"


def templates(docs: list[Doc]) -> Iterator[tuple[Doc, Doc]]:
    """(workload, pod template) of every workload in the tree."""
    for doc in docs:
        if doc.get("kind") in WORKLOADS:
            yield doc, doc["spec"]["template"]
        elif doc.get("kind") == "CronJob":
            yield doc, doc["spec"]["jobTemplate"]["spec"]["template"]


def containers(pod_spec: Doc) -> list[Doc]:
    return [*pod_spec.get("initContainers", []), *pod_spec.get("containers", [])]


def _workload_pods(docs: list[Doc]) -> Iterator[Pod]:
    for workload, template in templates(docs):
        pod = Pod(
            label(workload), workload["metadata"].get("namespace"), template["metadata"].get("labels", {})
        )
        for container in containers(template["spec"]):
            for port in container.get("ports", []):
                pod.numbers.add(port["containerPort"])
                if "name" in port:
                    pod.ports[port["name"]] = port["containerPort"]
        yield pod


def _strimzi_pods(docs: list[Doc]) -> Iterator[Pod]:
    for pool in of_kind(docs, "KafkaNodePool"):
        cluster = pool["metadata"].get("labels", {}).get("strimzi.io/cluster", "")
        labels = {
            "strimzi.io/cluster": cluster,
            "strimzi.io/kind": "Kafka",
            "strimzi.io/name": f"{cluster}-kafka",
            "strimzi.io/pool-name": name(pool),
            "strimzi.io/component-type": "kafka",
        }
        for role in pool["spec"].get("roles", []):
            labels[f"strimzi.io/{role}-role"] = "true"
        kafkas = [k for k in of_kind(docs, "Kafka") if name(k) == cluster]
        numbers = {listener["port"] for k in kafkas for listener in k["spec"]["kafka"].get("listeners", [])}
        yield Pod(label(pool), pool["metadata"].get("namespace"), labels, numbers=numbers | {9090, 9091})


def _altinity_pods(docs: list[Doc]) -> Iterator[Pod]:
    for chi in of_kind(docs, "ClickHouseInstallation"):
        for cluster in chi["spec"].get("configuration", {}).get("clusters", []):
            labels = {
                "clickhouse.altinity.com/chi": name(chi),
                "clickhouse.altinity.com/cluster": cluster["name"],
                "clickhouse.altinity.com/app": "chop",
            }
            ports = {"http": 8123, "tcp": 9000, "interserver": 9009}
            yield Pod(label(chi), chi["metadata"].get("namespace"), labels, ports, set(ports.values()))
    for chk in of_kind(docs, "ClickHouseKeeperInstallation"):
        for cluster in chk["spec"].get("configuration", {}).get("clusters", []):
            labels = {
                "clickhouse-keeper.altinity.com/chk": name(chk),
                "clickhouse-keeper.altinity.com/cluster": cluster["name"],
                "clickhouse-keeper.altinity.com/app": "chop",
            }
            ports = {"zk": keeper_client_port(chk), "raft": 9444}
            yield Pod(label(chk), chk["metadata"].get("namespace"), labels, ports, set(ports.values()))


def keeper_client_port(chk: Doc) -> int:
    """The Keeper's client port: ``keeper_server/tcp_port`` of its settings, else Altinity's 2181."""
    settings = chk["spec"].get("configuration", {}).get("settings", {})
    return int(settings.get("keeper_server/tcp_port", KEEPER_CLIENT_PORT))


def pods(docs: list[Doc]) -> list[Pod]:
    return [*_workload_pods(docs), *_strimzi_pods(docs), *_altinity_pods(docs)]
