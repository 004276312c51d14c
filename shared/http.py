"""What every service's HTTP side shares: health, readiness, Prometheus metrics, OpenAPI.

A service passes a ``readiness`` callable returning its checks by name; the
service is ready when all of them are true, and ``/readyz`` says which are not.
A service with a thread of its own (the aggregator's consumer) passes a
``liveness`` callable too: the reason it is not alive, or None; ``/healthz``
then answers 503 with that reason, so the orchestrator restarts it.

``/readyz`` runs its checks on a thread of its own, not on the loop's default executor:
a reporter busy with long report queries fills that executor, and a probe queued behind
them would turn the pod unready for being busy. ``/healthz`` answers from the loop itself.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from importlib import resources

from aiohttp import web
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

Readiness = Callable[[], dict[str, bool]]
Liveness = Callable[[], str | None]


def error(status: int, message: str, **details: object) -> web.Response:
    """Every error answer has the same shape: ``{"error": …, …details}``."""
    return web.json_response({"error": message, **details}, status=status)


def add_service_routes(
    app: web.Application,
    service: str,
    registry: CollectorRegistry,
    readiness: Readiness,
    openapi_package: str,
    liveness: Liveness | None = None,
) -> None:
    spec = json.loads(resources.files(openapi_package).joinpath("openapi.json").read_text("utf-8"))
    probes = ThreadPoolExecutor(1, thread_name_prefix=f"sada-{service}-readyz")

    async def stop_probes(_: web.Application) -> None:
        probes.shutdown(wait=False, cancel_futures=True)

    app.on_cleanup.append(stop_probes)

    async def healthz(_: web.Request) -> web.Response:
        reason = liveness() if liveness is not None else None
        if reason is not None:
            return web.json_response({"status": "down", "service": service, "reason": reason}, status=503)
        return web.json_response({"status": "ok", "service": service})

    async def readyz(_: web.Request) -> web.Response:
        checks = await asyncio.get_running_loop().run_in_executor(probes, readiness)
        ready = all(checks.values())
        return web.json_response(
            {"ready": ready, "service": service, "checks": checks}, status=200 if ready else 503
        )

    async def metrics(_: web.Request) -> web.Response:
        response = web.Response(body=generate_latest(registry))
        response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
        return response

    async def openapi(_: web.Request) -> web.Response:
        return web.json_response(spec)

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/openapi.json", openapi)


# How long a stopping service lets requests in flight finish (aiohttp's default: 60 s); a
# service sets it on its app from its settings.
SHUTDOWN_TIMEOUT = web.AppKey("shutdown_timeout_s", float)


async def start_site(app: web.Application, host: str, port: int) -> tuple[web.AppRunner, str]:
    """Serve ``app``; port 0 picks a free one. Returns the runner and the base URL. The
    runner's cleanup stops accepting, lets requests in flight finish within the app's
    :data:`SHUTDOWN_TIMEOUT`, then cancels the rest."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=app.get(SHUTDOWN_TIMEOUT, 60.0))
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1]
    return runner, f"http://{host}:{bound}"
