"""A bound on PDF renders at once (``SADA_MAX_PDF_RENDERS``): a render holds a slot while it
runs in its thread; the requests past the bound wait their turn on the event loop, so the
JSON routes keep their threads and stay fast. The gauge ``sada_reporter_pdf_renders``
counts the renders running and waiting."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from prometheus_client import CollectorRegistry, Gauge


class RenderSlots:
    def __init__(self, limit: int, registry: CollectorRegistry):
        self._slots = asyncio.Semaphore(limit)
        renders = Gauge(
            "sada_reporter_pdf_renders",
            "PDF reports being rendered (running) or waiting for a slot (queued)",
            ["state"],
            registry=registry,
        )
        self.running, self.queued = renders.labels("running"), renders.labels("queued")

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        self.queued.inc()
        try:
            await self._slots.acquire()
        finally:
            self.queued.dec()
        self.running.inc()
        try:
            yield
        finally:
            self.running.dec()
            self._slots.release()
