"""Init container of the collector and the aggregator: wait until the six topics exist.

`sada collector` and `sada aggregator` create missing topics themselves, with
replication factor 1. On Kubernetes the Strimzi Topic Operator creates them
from kafka/topics.yaml (3 replicas, min.insync.replicas 2), so the services
must not start before it has: this script polls Kafka until every topic of
shared.bus.topic_names(Settings()) is there. It reads the same SADA_*
settings as the services (the sada-config ConfigMap).
"""

import time

from kafka import KafkaAdminClient

from shared.bus import topic_names
from shared.settings import Settings


def missing_topics(settings: Settings) -> set[str]:
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap,
                             request_timeout_ms=settings.kafka_request_timeout_ms,
                             bootstrap_timeout_ms=settings.kafka_max_block_ms)
    try:
        return set(topic_names(settings)) - set(admin.list_topics())
    finally:
        admin.close()


def main() -> None:
    settings = Settings()
    while True:
        try:
            missing = missing_topics(settings)
        except Exception as exc:  # noqa: BLE001 - any failure means: not yet
            missing = {f"(Kafka at {settings.kafka_bootstrap} not reachable: {type(exc).__name__})"}
        if not missing:
            print("all topics exist", flush=True)
            return
        print("waiting for topics:", ", ".join(sorted(missing)), flush=True)
        time.sleep(5)


if __name__ == "__main__":
    main()
