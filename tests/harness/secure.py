"""The tests' brokers: plain Tansu, or Tansu behind a TLS and SCRAM listener.

``SADA_TEST_BROKER=scram-tls`` makes every broker the tests start (the session's and the ones a
failure test starts and kills) a :class:`SecureBroker`, and every test's settings carry the
client side (SASL_SSL, SCRAM-SHA-512, the session CA), so the pipeline runs over TLS and SCRAM
end to end. Unset (or ``plain``), they are plaintext Tansu as local mode runs it. Why the TLS and
SCRAM part is a front of our own (tests/harness/secure_front.py) rather than Tansu's flags is in
that module's docstring.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from harness.certs import Certs, make_certs
from shared import bus
from shared.settings import KafkaSecurity

MODES = ("plain", "scram-tls")
USER = "sada"
FRONT = Path(__file__).with_name("secure_front.py")


def mode() -> str:
    chosen = os.environ.get("SADA_TEST_BROKER", "") or "plain"
    if chosen not in MODES:
        raise RuntimeError(f"SADA_TEST_BROKER={chosen!r} is not one of {', '.join(MODES)}")
    return chosen


_session_certs: Certs | None = None


def session_certs() -> Certs:
    """One CA and its certificates per test process, in a temporary folder."""
    global _session_certs
    if _session_certs is None:
        _session_certs = make_certs(Path(tempfile.mkdtemp(prefix="sada-certs-")))
    return _session_certs


class SecureBroker:
    """Tansu (plaintext, on a port of its own) behind a TLS and SCRAM front on :attr:`port`.
    ``process`` is Tansu's, so a test can stop or kill the broker as it does a plain one."""

    def __init__(
        self,
        port: int = 0,
        *,
        tls: bool = True,
        scram: bool = True,
        client_certificate: bool = False,
        mechanisms: str = "SCRAM-SHA-512,SCRAM-SHA-256",
    ):
        self.host = "127.0.0.1"
        self.port = port or bus.free_port()
        self.certs = session_certs()
        self.password = secrets.token_urlsafe(18)
        self.tls, self.scram, self.client_certificate = tls, scram, client_certificate
        self.mechanisms = mechanisms
        self.tansu = bus.LocalBroker(advertised=self.bootstrap)
        self.front: subprocess.Popen[bytes] | None = None
        self.folder = Path(tempfile.mkdtemp(prefix="sada-front-"))

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def process(self) -> subprocess.Popen[bytes] | None:
        return self.tansu.process

    def security(self, **overrides: Any) -> KafkaSecurity:
        """The client side that this broker accepts (``overrides`` to spoil it)."""
        values: dict[str, Any] = {
            "security_protocol": {(True, True): "SASL_SSL", (True, False): "SSL"}.get(
                (self.tls, self.scram), "SASL_PLAINTEXT" if self.scram else "PLAINTEXT"
            ),
            "sasl_mechanism": "SCRAM-SHA-512",
            "sasl_username": USER if self.scram else "",
            "sasl_password": self.password if self.scram else None,
            "ssl_cafile": self.certs.ca if self.tls else None,
            "ssl_certfile": self.certs.client_cert if self.client_certificate else None,
            "ssl_keyfile": self.certs.client_key if self.client_certificate else None,
        }
        return KafkaSecurity(**{**values, **overrides})

    def start(self, timeout_s: float = 15.0) -> SecureBroker:
        if not self.tansu.alive():
            self.tansu.start(timeout_s)
        if self.front is None or self.front.poll() is not None:
            self._start_front(timeout_s)
        return self

    def _start_front(self, timeout_s: float) -> None:
        args = [sys.executable, str(FRONT), "--listen", self.bootstrap, "--backend", self.tansu.bootstrap]
        if self.tls:
            args += ["--cert", str(self.certs.server_cert), "--key", str(self.certs.server_key)]
            if self.client_certificate:
                args += ["--client-ca", str(self.certs.ca)]
        if self.scram:
            users = self.folder / "users.json"
            users.write_text(json.dumps({USER: self.password}))
            args += ["--users", str(users), "--mechanisms", self.mechanisms]
        log = (self.folder / "front.log").open("ab")
        self.front = subprocess.Popen(args, stdout=log, stderr=log)
        log.close()
        deadline = time.monotonic() + timeout_s
        while not bus.reachable(self.bootstrap):
            if self.front.poll() is not None:
                raise RuntimeError(f"the TLS/SCRAM front exited: see {self.folder / 'front.log'}")
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the TLS/SCRAM front did not listen on {self.bootstrap} in {timeout_s:.0f} s"
                )
            time.sleep(0.02)

    def alive(self) -> bool:
        return self.tansu.alive() and self.front is not None and self.front.poll() is None

    def stop(self) -> None:
        if self.front is not None and self.front.poll() is None:
            self.front.terminate()
            self.front.wait(10)
        self.tansu.stop()


Broker = bus.LocalBroker | SecureBroker


def new_broker(port: int = 0) -> Broker:
    """A broker of the session's kind (``SADA_TEST_BROKER``), not yet started."""
    return SecureBroker(port) if mode() == "scram-tls" else bus.LocalBroker(port)


def client_security(broker: Broker) -> KafkaSecurity:
    """The client side of ``broker``: plaintext for a plain one."""
    return broker.security() if isinstance(broker, SecureBroker) else KafkaSecurity.plaintext()


def security_env(security: KafkaSecurity) -> dict[str, str]:
    """The SADA_KAFKA_* variables that give a child process ``security`` (unset ones left out)."""
    values = {
        "security_protocol": security.security_protocol,
        "sasl_mechanism": security.sasl_mechanism,
        "sasl_username": security.sasl_username,
        "sasl_password": security.sasl_password.get_secret_value() if security.sasl_password else "",
        **{
            field: str(getattr(security, field) or "")
            for field in ("ssl_cafile", "ssl_certfile", "ssl_keyfile")
        },
    }
    return {KafkaSecurity.env(field): value for field, value in values.items() if value}
