"""Why a Kafka client could not connect: refused (TLS, SASL) or just not there.

kafka-python retries every failed connection until its bootstrap timeout and then says only
"Unable to bootstrap from host:port", whether the broker is down, its certificate is not
trusted or the password is wrong; a refused SCRAM exchange may even surface as a ``KeyError``
in its log (a broker that answers ``e=unknown-user`` in the server-final message). So when a
client cannot bootstrap, shared/bus.py asks :func:`refusal`: one connection done by hand with
the same TLS context and credentials, which reports the step that failed, in one line that
names the variable to check. Nothing is reported when no server accepts TCP at all: that is
"Kafka unavailable", which the callers already say.

Facts relied on (Kafka protocol guide, kafka.apache.org/protocol, "SASL Authentication
Sequence"): a SASL client sends SaslHandshake (key 17) v1 naming its mechanism, the broker
answers with the mechanisms it enables, then SaslAuthenticate (key 36) requests carry the
mechanism's tokens; a refused exchange is error 58 (SASL_AUTHENTICATION_FAILED) and the broker
closes the connection; a broker that wants SASL closes a connection whose first request (other
than ApiVersions) is not SASL. SCRAM tokens follow RFC 5802 (an ``e=`` attribute is a
server-side error). Requests use header v1 (api key, version, correlation id, client id) and
responses header v0 (correlation id) for these non-flexible versions.
"""

from __future__ import annotations

import socket
import ssl
import struct

from kafka.net.sasl.scram import ScramClient

from shared.kafka_security import client_config, uses_sasl, uses_tls
from shared.settings import Settings

SASL_HANDSHAKE, SASL_AUTHENTICATE, METADATA, API_VERSIONS = 17, 36, 3, 18
UNSUPPORTED_SASL_MECHANISM = 33
CLIENT_ID = b"sada-probe"


class Refused(Exception):
    """The broker turned the connection down at the step the message names."""


class _Hung(Exception):
    """The broker took too long to answer: it may be busy or stopped, which is not a refusal."""


def refusal(settings: Settings, timeout_s: float = 5.0) -> str | None:
    """The reason the first reachable bootstrap server refuses sada's client settings, or None
    when none is reachable or the one reached accepts them."""
    for server in settings.kafka_bootstrap.split(","):
        host, _, port = server.strip().rpartition(":")
        if not host or not port.isdigit():
            continue
        try:
            raw = socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s)
        except OSError:
            continue  # not there: unavailability, not refusal
        try:
            _handshake(raw, host.strip("[]"), settings)
        except Refused as exc:
            return f"Kafka at {server.strip()} {exc}"
        except _Hung:
            return None
        finally:
            raw.close()
        return None
    return None


def _handshake(raw: socket.socket, host: str, settings: Settings) -> None:
    security = settings.kafka_security
    config = client_config(settings)
    conn: socket.socket = raw
    if uses_tls(security):
        try:
            conn = config["ssl_context"].wrap_socket(raw, server_hostname=host)
        except TimeoutError:
            raise _Hung from None
        except ssl.SSLCertVerificationError as exc:
            raise Refused(
                f"presented a certificate sada does not trust ({exc.verify_message}): check "
                f"{security.env('ssl_cafile')} (the CA that signed the brokers' certificates)"
            ) from None
        except (ssl.SSLError, OSError) as exc:
            raise Refused(
                f"failed the TLS handshake ({_why(exc)}): check {security.env('security_protocol')} "
                f"(is this listener TLS?) and, if it wants a client certificate, "
                f"{security.env('ssl_certfile')} and {security.env('ssl_keyfile')}"
            ) from None
    wire = _Wire(conn)
    try:  # every broker answers ApiVersions before any login: past it, a closed connection is a refusal
        wire.call(API_VERSIONS, 0, b"")
    except ssl.SSLError as exc:
        raise Refused(f"ended the TLS session ({_why(exc)}): {_client_certificate(settings)}") from None
    except OSError:
        if uses_tls(security):
            raise Refused(
                f"closed the connection after the TLS handshake: it may want a client certificate; "
                f"{_client_certificate(settings)}"
            ) from None
        if _speaks_tls(raw.getpeername()[:2], raw.gettimeout()):
            raise Refused(
                f"speaks TLS: set {security.env('security_protocol')} to SSL or SASL_SSL "
                f"(and {security.env('ssl_cafile')} to the CA of its certificate)"
            ) from None
        return  # closed with nothing said: going down, not refusing
    if uses_sasl(security):
        _sasl(wire, settings, config)
    else:
        try:
            wire.call(METADATA, 0, struct.pack(">i", 0))
        except OSError as exc:
            raise Refused(
                f"closed the connection at the first request ({_why(exc)}): it may want TLS or SASL; "
                f"check {security.env('security_protocol')}"
            ) from None


def _sasl(wire: _Wire, settings: Settings, config: dict) -> None:
    security = settings.kafka_security
    mechanism, user = config["sasl_mechanism"], config["sasl_plain_username"]
    protocol = security.env("security_protocol")
    try:
        body = wire.call(SASL_HANDSHAKE, 1, _string(mechanism))
    except OSError as exc:
        raise Refused(
            f"closed the connection at the SASL handshake ({_why(exc)}): check {protocol} "
            "(does this listener use SASL? does it want TLS?)"
        ) from None
    error, offered = _handshake_answer(body)
    if error and error != UNSUPPORTED_SASL_MECHANISM:
        raise Refused(
            f"answered the SASL handshake with error {error}: check {protocol} "
            "(is SASL enabled on this listener?)"
        )
    if mechanism not in offered:
        raise Refused(
            f"does not offer SASL {mechanism} (it offers {', '.join(offered) or 'none'}): "
            f"check {security.env('sasl_mechanism')}"
        )
    credentials = f"check {security.env('sasl_username')} and {security.env('sasl_password')}"
    refused = f"refused the credentials of user {user!r} ({mechanism})"

    def send(token: bytes) -> bytes:
        try:
            error, message, answer = _auth_answer(wire.call(SASL_AUTHENTICATE, 1, _bytes(token)))
        except OSError as exc:
            raise Refused(f"{refused}: it closed the connection ({_why(exc)}); {credentials}") from None
        if error:
            raise Refused(f"{refused} (error {error}{', ' + message if message else ''}): {credentials}")
        if answer.startswith(b"e="):  # RFC 5802 server-error, sent in place of a SCRAM message
            raise Refused(f"{refused} ({answer[2:].decode(errors='replace')}): {credentials}")
        return answer

    password = config["sasl_plain_password"]
    if mechanism == "PLAIN":  # RFC 4616: authzid NUL authcid NUL password
        send(b"\0" + user.encode() + b"\0" + password.encode())
        return
    scram = ScramClient(user, password, mechanism)
    try:
        scram.process_server_first_message(send(scram.first_message()))
        scram.process_server_final_message(send(scram.final_message()))
    except (ValueError, KeyError) as exc:
        raise Refused(f"{refused} (an unexpected SCRAM answer: {exc}): {credentials}") from None


def _client_certificate(settings: Settings) -> str:
    security = settings.kafka_security
    return f"check {security.env('ssl_certfile')} and {security.env('ssl_keyfile')} (mTLS)"


def _speaks_tls(address: tuple[str, int], timeout_s: float | None) -> bool:
    """Whether a TLS handshake (certificate unchecked: only the protocol is in question) succeeds."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with (
            socket.create_connection(address, timeout=timeout_s) as raw,
            context.wrap_socket(raw, server_hostname=address[0]),
        ):
            return True
    except OSError:
        return False


def _why(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLError) and exc.reason:
        return exc.reason
    return str(exc) or type(exc).__name__


def _string(text: str) -> bytes:
    data = text.encode()
    return struct.pack(">h", len(data)) + data


def _bytes(data: bytes) -> bytes:
    return struct.pack(">i", len(data)) + data


def _handshake_answer(body: bytes) -> tuple[int, list[str]]:
    (error,) = struct.unpack_from(">h", body, 0)
    (count,) = struct.unpack_from(">i", body, 2)
    offered, at = [], 6
    for _ in range(max(count, 0)):
        (size,) = struct.unpack_from(">h", body, at)
        offered.append(body[at + 2 : at + 2 + size].decode())
        at += 2 + size
    return error, offered


def _auth_answer(body: bytes) -> tuple[int, str, bytes]:
    (error,) = struct.unpack_from(">h", body, 0)
    (size,) = struct.unpack_from(">h", body, 2)
    message = "" if size < 0 else body[4 : 4 + size].decode(errors="replace")
    at = 4 + max(size, 0)
    (length,) = struct.unpack_from(">i", body, at)
    return error, message, body[at + 4 : at + 4 + max(length, 0)]


class _Wire:
    """Kafka request/response framing on a blocking socket (non-flexible versions only)."""

    def __init__(self, conn: socket.socket):
        self.conn = conn
        self.correlation = 0

    def call(self, api_key: int, version: int, body: bytes) -> bytes:
        self.correlation += 1
        header = struct.pack(">hhih", api_key, version, self.correlation, len(CLIENT_ID)) + CLIENT_ID
        try:
            self.conn.sendall(struct.pack(">i", len(header) + len(body)) + header + body)
            (size,) = struct.unpack(">i", self._read(4))
            answer = self._read(size)
        except TimeoutError:
            raise _Hung from None
        return answer[4:]  # after the correlation id

    def _read(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.conn.recv(n - len(data))
            if not chunk:
                raise ConnectionResetError("the broker closed the connection")
            data += chunk
        return data
