"""Kafka's TLS and SASL settings (shared/kafka_security.py): the variables the Kubernetes
manifests set, what every client gets from them, and one line naming the variable for each
mistake. Files are real PEM files made by the harness (tests/harness/certs.py)."""

from __future__ import annotations

import ssl

import pytest
from harness.certs import make_certs

from shared import bus
from shared.kafka_security import KafkaConfigError, client_config
from shared.settings import KafkaSecurity, Settings, revealed

SECURITY_VARS = (
    "SADA_KAFKA_SECURITY_PROTOCOL",
    "SADA_KAFKA_SASL_MECHANISM",
    "SADA_KAFKA_SASL_USERNAME",
    "SADA_KAFKA_SASL_PASSWORD",
    "SADA_KAFKA_SSL_CAFILE",
    "SADA_KAFKA_SSL_CERTFILE",
    "SADA_KAFKA_SSL_KEYFILE",
)


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory):
    return make_certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SECURITY_VARS:
        monkeypatch.delenv(name, raising=False)


def _settings(**security: object) -> Settings:
    return Settings(kafka_bootstrap="kafka:9093", kafka_security=KafkaSecurity(**security))


def test_the_variables_the_manifests_set_reach_every_client(monkeypatch, certs):
    env = {
        "SADA_KAFKA_BOOTSTRAP": "sada-kafka-bootstrap:9093",
        "SADA_KAFKA_SECURITY_PROTOCOL": "sasl_ssl",
        "SADA_KAFKA_SASL_MECHANISM": "SCRAM-SHA-256",
        "SADA_KAFKA_SASL_USERNAME": "sada-collector",
        "SADA_KAFKA_SASL_PASSWORD": "from-the-kafkauser-secret",
        "SADA_KAFKA_SSL_CAFILE": str(certs.ca),
        "SADA_KAFKA_SSL_CERTFILE": str(certs.client_cert),
        "SADA_KAFKA_SSL_KEYFILE": str(certs.client_key),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert revealed(settings.kafka_security.sasl_password) == "from-the-kafkauser-secret"
    assert "from-the-kafkauser-secret" not in repr(settings)  # a secret: never in a log line
    config = bus.connection(settings)
    context = config.pop("ssl_context")
    assert config == {
        "bootstrap_servers": "sada-kafka-bootstrap:9093",
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-256",
        "sasl_plain_username": "sada-collector",
        "sasl_plain_password": "from-the-kafkauser-secret",
    }
    assert context.check_hostname and context.verify_mode == ssl.CERT_REQUIRED
    assert [ca["subject"] for ca in context.get_ca_certs()] == [((("commonName", "sada test CA"),),)]


def test_defaults_are_plaintext_and_scram_sha_512():
    settings = Settings(kafka_bootstrap="kafka:9092")
    assert client_config(settings) == {"security_protocol": "PLAINTEXT"}
    assert settings.kafka_security.sasl_mechanism == "SCRAM-SHA-512"
    tls = client_config(_settings(security_protocol="SSL"))
    assert tls["ssl_context"].verify_mode == ssl.CERT_REQUIRED  # the system's CAs, still verified


@pytest.mark.parametrize(
    ("security", "variable", "says"),
    [
        ({"security_protocol": "TLS"}, "SADA_KAFKA_SECURITY_PROTOCOL='TLS'", "PLAINTEXT, SSL"),
        ({"security_protocol": "SASL_SSL", "sasl_username": "u"}, "SADA_KAFKA_SASL_PASSWORD", "needs"),
        ({"security_protocol": "SASL_PLAINTEXT", "sasl_password": "p"}, "SADA_KAFKA_SASL_USERNAME", "needs"),
        (
            {
                "security_protocol": "SASL_SSL",
                "sasl_mechanism": "GSSAPI",
                "sasl_username": "u",
                "sasl_password": "p",
            },
            "SADA_KAFKA_SASL_MECHANISM='GSSAPI'",
            "SCRAM-SHA-512",
        ),
        (
            {"security_protocol": "SSL", "ssl_cafile": "/nowhere/ca.crt"},
            "SADA_KAFKA_SSL_CAFILE=/nowhere/ca.crt",
            "No such file",
        ),
        ({"ssl_cafile": "/etc/hostname"}, "SADA_KAFKA_SSL_CAFILE is set but", "SSL or SASL_SSL"),
        ({"sasl_password": "p"}, "SADA_KAFKA_SASL_PASSWORD is set but", "SASL_PLAINTEXT or SASL_SSL"),
    ],
)
def test_each_mistake_is_one_line_naming_its_variable(security, variable, says):
    with pytest.raises(KafkaConfigError) as refused:
        bus.connection(_settings(**security))
    message = str(refused.value)
    assert variable in message and says in message and "\n" not in message


def test_a_client_certificate_needs_its_key_and_both_must_load(certs, tmp_path):
    with pytest.raises(
        KafkaConfigError, match="SADA_KAFKA_SSL_CERTFILE is set without SADA_KAFKA_SSL_KEYFILE"
    ):
        client_config(_settings(security_protocol="SSL", ssl_cafile=certs.ca, ssl_certfile=certs.client_cert))
    with pytest.raises(KafkaConfigError, match="SADA_KAFKA_SSL_CERTFILE and SADA_KAFKA_SSL_KEYFILE are not"):
        client_config(
            _settings(security_protocol="SSL", ssl_certfile=certs.client_cert, ssl_keyfile=certs.server_key)
        )
    not_pem = tmp_path / "ca.txt"
    not_pem.write_text("not a certificate\n")
    with pytest.raises(KafkaConfigError, match="SADA_KAFKA_SSL_CAFILE=.* is not a PEM CA certificate"):
        client_config(_settings(security_protocol="SSL", ssl_cafile=not_pem))


def test_the_cli_says_the_mistake_in_one_line_and_exits_2(monkeypatch, capsys):
    from services.cli import main

    monkeypatch.setenv("SADA_KAFKA_BOOTSTRAP", "127.0.0.1:9")
    monkeypatch.setenv("SADA_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("SADA_KAFKA_SASL_USERNAME", "sada")
    assert main(["aggregator"]) == 2
    err = capsys.readouterr()
    said = (err.out + err.err).strip().splitlines()
    needs = "SADA_KAFKA_SECURITY_PROTOCOL=SASL_SSL needs SADA_KAFKA_SASL_PASSWORD (the KafkaUser's password)"
    assert said == [f"sada: {needs}"]


def test_local_modes_own_broker_ignores_the_environments_security(monkeypatch, certs):
    monkeypatch.setenv("SADA_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("SADA_KAFKA_SASL_PASSWORD", "p")
    monkeypatch.setenv("SADA_KAFKA_SSL_CAFILE", str(certs.ca))
    assert KafkaSecurity().security_protocol == "SASL_SSL"
    assert client_config(Settings(kafka_security=KafkaSecurity.plaintext())) == {
        "security_protocol": "PLAINTEXT"
    }
