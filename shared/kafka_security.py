"""The TLS and SASL half of every Kafka client sada builds, from ``SADA_KAFKA_SECURITY_*``.

One function (:func:`client_config`) turns the settings into kafka-python's keyword arguments;
shared/bus.py adds them to every KafkaProducer, KafkaConsumer and KafkaAdminClient. It checks
the settings first, because kafka-python takes almost anything and fails later as "Unable to
bootstrap": a mistake here is one line that names the variable to fix.

Facts relied on:
- kafka-python's ``security_protocol`` is one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL, and
  its SASL mechanisms include PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512; an ``ssl_context`` given
  to it replaces every other ``ssl_*`` option (kafka-python 3.0, ``KafkaConsumer`` docstring).
- Strimzi's ``KafkaUser`` with ``authentication: scram-sha-512`` gets a Secret holding its
  password; with ``tls`` a Secret holding ``user.crt`` and ``user.key`` (PEM); the cluster CA
  certificate is in the ``<cluster>-cluster-ca-cert`` Secret as ``ca.crt``
  (strimzi.io/docs, "Securing access to Kafka").
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

from shared.settings import KafkaSecurity, Settings, revealed

PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
MECHANISMS = ("SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN")


class KafkaConfigError(ValueError):
    """A Kafka security setting is wrong; the message names the variable to fix."""


def protocol(security: KafkaSecurity) -> str:
    name = security.security_protocol.strip().upper()
    if name not in PROTOCOLS:
        raise KafkaConfigError(
            f"{security.env('security_protocol')}={security.security_protocol!r} is not one of "
            f"{', '.join(PROTOCOLS)}"
        )
    return name


def uses_tls(security: KafkaSecurity) -> bool:
    return protocol(security) in ("SSL", "SASL_SSL")


def uses_sasl(security: KafkaSecurity) -> bool:
    return protocol(security) in ("SASL_PLAINTEXT", "SASL_SSL")


def client_config(settings: Settings) -> dict[str, Any]:
    """kafka-python's security arguments for ``settings``; raises :class:`KafkaConfigError`."""
    security = settings.kafka_security
    name = protocol(security)
    config: dict[str, Any] = {"security_protocol": name}
    if uses_tls(security):
        config["ssl_context"] = ssl_context(security)
    else:
        _unused(security, ("ssl_cafile", "ssl_certfile", "ssl_keyfile"), name, "TLS", "SSL or SASL_SSL")
    if uses_sasl(security):
        config.update(_sasl(security, name))
    else:
        _unused(security, ("sasl_username", "sasl_password"), name, "SASL", "SASL_PLAINTEXT or SASL_SSL")
    return config


def _unused(security: KafkaSecurity, fields: tuple[str, ...], name: str, what: str, wants: str) -> None:
    """A credential set for a protocol that would not send it is a half-done configuration: refuse
    it rather than connect without the protection the operator meant to have."""
    for field in fields:
        if getattr(security, field):
            raise KafkaConfigError(
                f"{security.env(field)} is set but {security.env('security_protocol')}={name} "
                f"does not use {what}: set it to {wants}, or unset {security.env(field)}"
            )


def _sasl(security: KafkaSecurity, name: str) -> dict[str, Any]:
    mechanism = security.sasl_mechanism.strip().upper()
    if mechanism not in MECHANISMS:
        variable = security.env("sasl_mechanism")
        raise KafkaConfigError(
            f"{variable}={security.sasl_mechanism!r} is not one of {', '.join(MECHANISMS)}"
        )
    for field in ("sasl_username", "sasl_password"):
        if not (revealed(security.sasl_password) if field == "sasl_password" else security.sasl_username):
            raise KafkaConfigError(
                f"{security.env('security_protocol')}={name} needs {security.env(field)} "
                f"(the KafkaUser's {'name' if field == 'sasl_username' else 'password'})"
            )
    return {
        "sasl_mechanism": mechanism,
        "sasl_plain_username": security.sasl_username,
        "sasl_plain_password": revealed(security.sasl_password),
    }


def ssl_context(security: KafkaSecurity) -> ssl.SSLContext:
    """The TLS context of every client: the system's CAs, or ``SADA_KAFKA_SSL_CAFILE`` alone;
    hostname checked; with a client certificate for mTLS when one is set."""
    for field in ("ssl_cafile", "ssl_certfile", "ssl_keyfile"):
        _readable(security, field)
    cafile, certfile, keyfile = security.ssl_cafile, security.ssl_certfile, security.ssl_keyfile
    if bool(certfile) != bool(keyfile):
        have, missing = ("ssl_certfile", "ssl_keyfile") if certfile else ("ssl_keyfile", "ssl_certfile")
        raise KafkaConfigError(
            f"{security.env(have)} is set without {security.env(missing)}: mTLS needs both (PEM files)"
        )
    try:
        context = ssl.create_default_context(cafile=str(cafile) if cafile else None)
    except ssl.SSLError as exc:
        raise KafkaConfigError(
            f"{security.env('ssl_cafile')}={cafile} is not a PEM CA certificate ({exc.reason or exc})"
        ) from None
    if certfile and keyfile:
        try:
            context.load_cert_chain(str(certfile), str(keyfile))
        except ssl.SSLError as exc:
            raise KafkaConfigError(
                f"{security.env('ssl_certfile')} and {security.env('ssl_keyfile')} are not a PEM "
                f"certificate and its unencrypted key ({exc.reason or exc})"
            ) from None
    return context


def _readable(security: KafkaSecurity, field: str) -> None:
    path: Path | None = getattr(security, field)
    if path is None:
        return
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise KafkaConfigError(f"{security.env(field)}={path}: {exc.strerror or exc}") from None
