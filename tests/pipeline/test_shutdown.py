"""A stopping service lets the requests in flight finish, within a bound: a request that would
never end is cancelled after the collector's SADA_SHUTDOWN_TIMEOUT_S, so a stop never hangs."""

from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web

from services.collector.app import create_app as collector_app
from services.collector.publisher import Publisher
from shared.http import SHUTDOWN_TIMEOUT, start_site
from shared.settings import Settings


def test_the_collector_takes_its_shutdown_bound_from_the_settings(settings: Settings) -> None:
    publisher = Publisher(settings.model_copy(update={"shutdown_timeout_s": 2.5}))
    try:
        assert collector_app(publisher.settings, publisher)[SHUTDOWN_TIMEOUT] == 2.5
    finally:
        publisher.close()


async def _stop_while_serving() -> tuple[int, bool, bool]:
    quick_started, endless_started, endless_cancelled = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def quick(_: web.Request) -> web.Response:
        quick_started.set()
        await asyncio.sleep(0.3)
        return web.json_response({"done": True})

    async def endless(_: web.Request) -> web.Response:
        endless_started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            endless_cancelled.set()
            raise
        raise AssertionError("never answered")

    app = web.Application()
    app.router.add_get("/quick", quick)
    app.router.add_get("/endless", endless)
    app[SHUTDOWN_TIMEOUT] = 0.5
    runner, url = await start_site(app, "127.0.0.1", 0)
    async with aiohttp.ClientSession() as session:
        hanging = asyncio.create_task(session.get(f"{url}/endless"))
        answer = asyncio.create_task(session.get(f"{url}/quick"))
        await asyncio.wait_for(asyncio.gather(quick_started.wait(), endless_started.wait()), 10)
        # returns (aiohttp's default would wait 60 s): the endless one was cancelled at the bound
        await asyncio.wait_for(runner.cleanup(), 30)
        response = await answer
        body = await response.json()
        hanging.cancel()
        return response.status, body["done"], endless_cancelled.is_set()


def test_a_stop_finishes_what_is_in_flight_and_cancels_what_never_ends() -> None:
    status, done, cancelled = asyncio.run(_stop_while_serving())
    assert (status, done, cancelled) == (200, True, True)
