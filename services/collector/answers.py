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

from services.collector.intake import Intake
from services.collector.publisher import KafkaUnavailable, Publisher
from shared.settings import Settings


class Refused(Exception):
    """An error answer: ``status``, the message a person can act on, and extra headers."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


async def read_body(request: web.Request, limit: int) -> bytes:
    """The body, refused early when its announced length is above ``limit``; the error
    middleware answers the route's 413 for this and for aiohttp's own limit alike."""
    if (request.content_length or 0) > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length or 0)
    return await request.read()


async def publish_acked(publisher: Publisher, intake: Intake, source: str, settings: Settings) -> None:
    """Publish and wait for Kafka; raises a 503 with ``Retry-After`` when it does not acknowledge."""
    try:
        await asyncio.to_thread(publisher.publish, intake, source)
    except KafkaUnavailable as exc:
        raise Refused(
            503,
            f"{exc}; nothing in this request is guaranteed stored, retry it "
            "(records already stored are not counted twice)",
            {"Retry-After": str(settings.produce_retry_after_s)},
        ) from exc
