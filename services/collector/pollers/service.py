"""Running pollers: which connectors are configured, for which events, once or for ever.

``sada collect`` and ``sada run --collect`` run a :class:`Collection` once (or until
interrupted); ``sada up`` and ``sada collector`` attach one to the collector's web app
(:func:`attach_pollers`), which then serves the pollers' state at ``GET /v1/pollers``; their
Prometheus metrics join the collector's own at ``GET /metrics``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Self

import aiohttp
from aiohttp import web

from services.collector.metrics import METRICS_REGISTRY, PollerMetrics
from services.collector.pollers import CONNECTOR_NAMES
from services.collector.pollers.facebook import FacebookPoller
from services.collector.pollers.instagram import InstagramPoller
from services.collector.pollers.limits import RateLimit
from services.collector.pollers.linkedin import LinkedInPoller
from services.collector.pollers.poller import Poller
from services.collector.pollers.press import PressPoller
from services.collector.pollers.schedule import utcnow
from services.collector.pollers.sink import PublisherSink, Sink
from services.collector.pollers.tiktok import TikTokPoller
from services.collector.pollers.x import XPoller
from services.collector.pollers.youtube import YouTubePoller
from services.collector.publisher import Publisher
from shared.registry import Event, Registry
from shared.settings import Settings

log = logging.getLogger("sada.collector.pollers")

CONNECTORS: dict[str, type[Poller]] = {
    poller.name: poller
    for poller in (
        XPoller,
        YouTubePoller,
        FacebookPoller,
        InstagramPoller,
        LinkedInPoller,
        TikTokPoller,
        PressPoller,
    )
}
assert tuple(CONNECTORS) == CONNECTOR_NAMES
# How long after an event's end its figures are still followed (they keep moving).
FOLLOW_UP = timedelta(days=30)


class NothingToCollect(ValueError):
    """No connector or no event: the message says what to set."""


def configured(settings: Settings) -> list[str]:
    """The connectors whose token (press: outlets file) is set."""
    return [name for name, poller in CONNECTORS.items() if poller.configured(settings)]


def resolve(settings: Settings, wanted: list[str]) -> list[str]:
    """The connectors asked for (``all``: the configured ones); each must be configured."""
    names = configured(settings) if "all" in wanted else list(dict.fromkeys(wanted))
    missing = [name for name in names if not CONNECTORS[name].configured(settings)]
    if missing:
        raise NothingToCollect(
            "; ".join(f"{name} needs {CONNECTORS[name].options_of(settings).switch()}" for name in missing)
        )
    if not names:
        raise NothingToCollect(
            "no connector is configured: set SADA_X_TOKEN, SADA_YOUTUBE_TOKEN, "
            "SADA_FACEBOOK_TOKEN, SADA_INSTAGRAM_TOKEN, SADA_LINKEDIN_TOKEN, "
            "SADA_TIKTOK_TOKEN or SADA_PRESS_OUTLETS"
        )
    return names


def events_to_collect(
    settings: Settings, registry: Registry, slugs: list[str] | None = None, now: datetime | None = None
) -> list[Event]:
    """The events named (``--event``, ``SADA_POLL_EVENTS``), else every registry event that
    has not ended more than :data:`FOLLOW_UP` ago."""
    slugs = slugs or settings.polling.events
    if slugs:
        return [registry.get(slug) for slug in dict.fromkeys(slugs)]
    now = now or utcnow()
    return [event for event in registry.events.values() if event.end is None or event.end + FOLLOW_UP >= now]


class Collection:
    """Pollers for some connectors × events, sharing one HTTP session, one rate-limit state per
    connector (one token) and one set of metrics."""

    def __init__(
        self,
        settings: Settings,
        registry: Registry,
        names: list[str],
        sink: Sink,
        events: list[str] | None = None,
        metrics: PollerMetrics | None = None,
        clock: Callable[[], datetime] = utcnow,
    ):
        unknown = [name for name in names if name not in CONNECTORS]
        if unknown:
            raise NothingToCollect(
                f"unknown connector(s) {', '.join(unknown)}; expected {', '.join(CONNECTORS)}"
            )
        self.settings = settings
        self.registry = registry
        self.names = names
        self.sink = sink
        self.slugs = events
        self.metrics = metrics or PollerMetrics()
        self.clock = clock
        self.pollers: list[Poller] = []
        self.session: aiohttp.ClientSession | None = None
        self._task: asyncio.Task | None = None

    async def open(self) -> Self:
        self.session = aiohttp.ClientSession()
        events = events_to_collect(self.settings, self.registry, self.slugs, self.clock())
        limits = {name: RateLimit() for name in self.names}
        self.pollers = [
            CONNECTORS[name](
                self.settings, event, self.session, self.sink, self.metrics, limits[name], clock=self.clock
            )
            for name in self.names
            for event in events
        ]
        return self

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.session is not None:
            await self.session.close()

    async def __aenter__(self) -> Self:
        return await self.open()

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def run_once(self) -> list[dict[str, Any]]:
        """One full pass of every poller (discovery included), connectors side by side."""
        by_connector: dict[str, list[Poller]] = {}
        for poller in self.pollers:
            by_connector.setdefault(poller.name, []).append(poller)

        async def connector(pollers: list[Poller]) -> None:
            for poller in pollers:  # one token: its events one after the other
                try:
                    await poller.poll_once()
                except Exception as exc:  # a bug in one poller must not stop the others
                    log.exception("%s poller (%s) pass failed", poller.name, poller.event.slug)
                    poller.fail("pass", exc)
                    poller.state = "failed"

        await asyncio.gather(*(connector(p) for p in by_connector.values()))
        return [poller.status() for poller in self.pollers]

    async def run_forever(self) -> None:
        await asyncio.gather(*(poller.run_forever() for poller in self.pollers))

    def start(self) -> None:
        self._task = asyncio.create_task(self.run_forever(), name="sada-pollers")

    def status(self) -> dict[str, Any]:
        return {
            "connectors": self.names,
            "events": sorted({p.event.slug for p in self.pollers}),
            "pollers": [poller.status() for poller in self.pollers],
        }


def attach_pollers(
    app: web.Application,
    settings: Settings,
    registry: Registry,
    publisher: Publisher,
    names: list[str] | None = None,
) -> Collection:
    """Run the configured connectors for as long as ``app`` runs; serve their state.

    The pollers' metrics go into the app's /metrics registry when it has one
    (the collector's app does), so one scrape sees intake and polling.
    """
    metrics = PollerMetrics(app.get(METRICS_REGISTRY))
    collection = Collection(
        settings,
        registry,
        configured(settings) if names is None else names,
        PublisherSink(publisher),
        metrics=metrics,
    )

    async def started(_: web.Application) -> None:
        await collection.open()
        if collection.pollers:
            log.info(
                "pollers: %s for %s",
                ", ".join(collection.names),
                ", ".join(sorted({p.event.slug for p in collection.pollers})),
            )
            collection.start()

    async def stopped(_: web.Application) -> None:
        await collection.close()

    async def status(_: web.Request) -> web.Response:
        return web.json_response(collection.status())

    app.router.add_get("/v1/pollers", status)
    app.on_startup.append(started)
    app.on_cleanup.append(stopped)
    return collection
