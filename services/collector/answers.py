"""Answers every collector route shares: who may send, and "stored or retry later".

``/v1/events``, ``/v1/imports`` and the webhooks all answer 2xx only after
Kafka acknowledged the records, and 503 with ``Retry-After`` otherwise.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from services.collector.intake import Intake
from services.collector.publisher import KafkaUnavailable, Publisher
from shared.http import error
from shared.settings import Settings


def bearer_refusal(request: web.Request, settings: Settings) -> web.Response | None:
    """401 without a bearer token, 403 for one not in ``SADA_INGEST_TOKENS``, else None."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        response = error(
            401,
            "missing bearer token: send 'Authorization: Bearer <token>' with a token from SADA_INGEST_TOKENS",
        )
        response.headers["WWW-Authenticate"] = 'Bearer realm="sada"'
        return response
    if not settings.token_is_valid(token.strip()):
        return error(403, "this token is not allowed to ingest")
    return None


async def publish_acked(
    publisher: Publisher, intake: Intake, source: str, settings: Settings
) -> web.Response | None:
    """Publish and wait for Kafka; None once acknowledged, else a 503 with ``Retry-After``."""
    try:
        await asyncio.to_thread(publisher.publish, intake, source)
    except KafkaUnavailable as exc:
        response = error(
            503,
            f"{exc}; nothing in this request is guaranteed stored, retry it "
            "(records already stored are not counted twice)",
        )
        response.headers["Retry-After"] = str(settings.produce_retry_after_s)
        return response
    return None
