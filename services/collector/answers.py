"""What a collector handler raises instead of answering, and the answers every route shares.

A handler raises :class:`Refused`; the error middleware (:mod:`.middleware`) turns it into
the one error shape ``{"error": …}``. ``/v1/events``, ``/v1/imports`` and the webhooks all
answer 2xx only after Kafka acknowledged the records, and 503 with ``Retry-After``
otherwise (:func:`publish_acked`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from aiohttp import web
from aiohttp.web_protocol import RequestPayloadError

from services.collector.intake import Intake, Line
from services.collector.publisher import KafkaUnavailable, Publisher
from shared.events import Rejection
from shared.settings import Settings


class Refused(Exception):
    """An error answer: ``status``, the message a person can act on, and extra headers."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


def is_text(value: str) -> bool:
    """Whether a header value was UTF-8: aiohttp keeps other bytes as surrogates, which no
    encoder (Kafka headers, a token comparison) accepts."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def source_of(request: web.Request, kind: str, default: str | None = "client") -> str:
    """``<kind>:<X-Sada-Source>``, what every record and dead letter of the request names as its
    source: the route says the kind (``http``, ``export:<format>``), the client only the rest
    (at most 200 characters; ``default`` when it names nothing, nothing when that is None)."""
    named = request.headers.get("X-Sada-Source", "")[:200] or default
    if named is not None and not is_text(named):
        raise Refused(400, "X-Sada-Source must be UTF-8 text")
    return f"{kind}:{named}" if named else kind


# What aiohttp decodes; anything else would reach the handler still encoded.
ENCODINGS = ("identity", "gzip", "x-gzip", "deflate")


async def read_body(request: web.Request, settings: Settings) -> bytes:
    """The body, refused early when its announced length is above ``SADA_MAX_BODY_BYTES`` (the
    error middleware answers the route's 413 for this and for aiohttp's own limit alike); 415
    for a Content-Encoding sada does not decode, 400 for one that does not decode, 408 when
    the body does not arrive within ``SADA_BODY_READ_TIMEOUT_S``."""
    limit = settings.max_body_bytes
    if (request.content_length or 0) > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length or 0)
    encoding = request.headers.get("Content-Encoding", "identity").strip().lower() or "identity"
    if encoding not in ENCODINGS:
        raise Refused(
            415, f"Content-Encoding {encoding!r} is not supported; send the body as it is, or gzip or deflate"
        )
    try:
        return await asyncio.wait_for(request.read(), settings.body_read_timeout_s)
    except TimeoutError:
        raise Refused(
            408,
            f"the body did not arrive within {settings.body_read_timeout_s} s (SADA_BODY_READ_TIMEOUT_S)",
            {"Connection": "close"},
        ) from None
    except RequestPayloadError as exc:
        detail = getattr(exc.__cause__, "message", "") or "it ended early"
        raise Refused(400, f"the body cannot be read: {detail}") from None


async def publish_acked(
    publisher: Publisher, intake: Intake, source: str, settings: Settings
) -> list[tuple[Line, Rejection]]:
    """Publish and wait for Kafka; raises a 503 with ``Retry-After`` when it does not acknowledge.
    A record over ``SADA_MAX_RECORD_BYTES`` is rejected on its own first (:meth:`Intake.bound`);
    returns those."""
    intake.stamp(source)
    oversized = intake.bound(settings.max_record_bytes)
    try:
        await publisher.publish_waiting(intake, source)
    except KafkaUnavailable as exc:
        raise Refused(
            503,
            f"{exc}; nothing in this request is guaranteed stored, retry it "
            "(records already stored are not counted twice)",
            {"Retry-After": str(settings.produce_retry_after_s)},
        ) from exc
    return oversized
