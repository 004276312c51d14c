"""Certificates for the tests' TLS broker, made per session: a CA, the broker's certificate (for
127.0.0.1 and localhost) and a client certificate for mTLS, all PEM, keys unencrypted.

Made with the ``cryptography`` package when it is installed, else with the ``openssl`` command
(Debian's ``openssl``); both give the same files: X.509 v3, CA:TRUE on the CA, the broker's
subjectAltName (Python's ssl checks the name there, not in the CN), serverAuth and clientAuth
usages (RFC 5280 §4.2.1.9, §4.2.1.12; docs.python.org/3/library/ssl.html, "Hostname checking").
"""

from __future__ import annotations

import ipaddress
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

DAYS = 2  # a session's files; nothing outlives the run


@dataclass(frozen=True)
class Certs:
    ca: Path
    ca_key: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def make_certs(folder: Path, tool: str = "") -> Certs:
    """PEM files in ``folder``; ``tool`` forces "cryptography" or "openssl" (default: the first there)."""
    folder.mkdir(parents=True, exist_ok=True)
    certs = Certs(
        *(
            folder / name
            for name in ("ca.pem", "ca.key", "broker.pem", "broker.key", "client.pem", "client.key")
        )
    )
    if tool == "cryptography" or (not tool and _has_cryptography()):
        _with_cryptography(certs)
    else:
        _with_openssl(certs)
    return certs


def _has_cryptography() -> bool:
    try:
        import cryptography  # noqa: F401
    except ImportError:
        return False
    return True


def _with_openssl(certs: Certs) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        raise RuntimeError(
            "the TLS test broker needs the cryptography package or the openssl command: install one"
        )
    folder = certs.ca.parent

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], check=True, capture_output=True)

    run(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        str(certs.ca_key),
        "-out",
        str(certs.ca),
        "-days",
        str(DAYS),
        "-subj",
        "/CN=sada test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    )
    for cert, key, name, extensions in (
        (
            certs.server_cert,
            certs.server_key,
            "localhost",
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
        ),
        (
            certs.client_cert,
            certs.client_key,
            "sada",
            "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n",
        ),
    ):
        request, ext = folder / f"{name}.csr", folder / f"{name}.ext"
        ext.write_text(extensions)
        run(
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(request),
            "-subj",
            f"/CN={name}",
        )
        run(
            "x509",
            "-req",
            "-in",
            str(request),
            "-CA",
            str(certs.ca),
            "-CAkey",
            str(certs.ca_key),
            "-CAcreateserial",
            "-out",
            str(cert),
            "-days",
            str(DAYS),
            "-extfile",
            str(ext),
        )


def _with_cryptography(certs: Certs) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    def key_to(path: Path):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            )
        )
        return key

    def name(common: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])

    now = datetime.now(UTC)

    def builder(subject: str, issuer: x509.Name, public_key) -> x509.CertificateBuilder:
        return (
            x509.CertificateBuilder()
            .subject_name(name(subject))
            .issuer_name(issuer)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=DAYS))
        )

    ca_key = key_to(certs.ca_key)
    ca = (
        builder("sada test CA", name("sada test CA"), ca_key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .sign(ca_key, hashes.SHA256())
    )
    certs.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    leaves = (
        (certs.server_cert, certs.server_key, "localhost", ExtendedKeyUsageOID.SERVER_AUTH, True),
        (certs.client_cert, certs.client_key, "sada", ExtendedKeyUsageOID.CLIENT_AUTH, False),
    )
    for cert_path, key_path, common, usage, server in leaves:
        key = key_to(key_path)
        leaf = (
            builder(common, ca.subject, key.public_key())
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=False)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        )
        if server:
            leaf = leaf.add_extension(
                x509.SubjectAlternativeName(
                    [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
                ),
                critical=False,
            )
        cert_path.write_bytes(leaf.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM))
