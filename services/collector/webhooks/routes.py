"""The webhook routes: ``GET`` handshakes and signed ``POST`` deliveries on
``/v1/webhooks/{platform}/{event}``. A delivery is authenticated by its platform's signature
(the middleware runs :func:`verified` before :func:`add_webhook_routes`' handler)."""

from __future__ import annotations

import logging
import re
import time

from aiohttp import web

from services.collector.aliases import learn_from_delivery
from services.collector.answers import Refused, publish_acked, read_body
from services.collector.intake import now_ns
from services.collector.mapping import to_intake
from services.collector.metrics import CollectorMetrics
from services.collector.middleware import Check, Policy, add_route
from services.collector.publisher import Publisher
from services.collector.webhooks.handshakes import secret_bytes
from services.collector.webhooks.platforms import PLATFORMS, Platform, parse_delivery
from shared.events import EVENT_SLUG, load_json
from shared.settings import Settings

log = logging.getLogger("sada.collector.webhooks")

PATH = "/v1/webhooks/{platform}/{event}"
# Set on a request once its platform and event are known: only those are counted.
ROUTED = web.RequestKey("webhook_platform", str)


def route_of(request: web.Request) -> Platform:
    """The platform and event the URL names (404 and 400 otherwise)."""
    name, event = request.match_info["platform"], request.match_info["event"]
    if name not in PLATFORMS:
        raise Refused(404, f"no webhook for platform {name!r}; expected one of {', '.join(PLATFORMS)}")
    if not re.fullmatch(EVENT_SLUG, event):
        raise Refused(
            400,
            f"event slug {event!r} must match {EVENT_SLUG} (the URL names the event the records belong to)",
        )
    return PLATFORMS[name]


def verified(settings: Settings) -> Check:
    """A delivery's authentication: the platform's secret is set, its signature header is
    there and matches the body (and, for TikTok, is recent)."""

    async def check(request: web.Request) -> None:
        platform = route_of(request)
        request[ROUTED] = request.match_info["platform"]
        secret = secret_bytes(
            platform.secret(settings), platform.secret_env, f"verifying {platform.name} webhooks"
        )
        signature = request.headers.get(platform.header)
        if not signature:
            raise Refused(401, f"missing {platform.header} header: {platform.name} signs every delivery")
        body = await read_body(request, settings)
        if not body.lstrip().startswith(b"{"):
            # Every platform delivers a JSON object; refusing anything else keeps a handshake's
            # answer (over a token or UUID, never an object) from ever signing a delivery.
            raise Refused(400, f"a {platform.name} delivery is a JSON object")
        problem = platform.verify(secret, signature, body, time.time(), settings.webhooks.tolerance_s)
        if problem:
            event = request.match_info["event"]
            log.warning("refused a %s webhook delivery for %s: %s", platform.name, event, problem.message)
            raise Refused(problem.status, problem.message)

    return check


def add_webhook_routes(
    app: web.Application, settings: Settings, publisher: Publisher, metrics: CollectorMetrics
) -> None:
    def count(request: web.Request, status: int) -> None:
        if ROUTED in request:
            metrics.deliveries.labels(request[ROUTED], str(status)).inc()

    async def handshake(request: web.Request) -> web.Response:
        return route_of(request).handshake(settings, request.query)

    def learn_links(body: bytes) -> None:
        """What a LinkedIn delivery says links an activity to its post, for later imports."""
        try:
            learn_from_delivery(settings, load_json(body.decode("utf-8")))
        except (UnicodeDecodeError, ValueError):
            return  # parse_delivery made it a dead letter already
        except OSError as exc:
            log.warning(
                "could not keep a LinkedIn activity link (%s); check SADA_POLL_STATE_DIR is writable", exc
            )

    async def deliver(request: web.Request) -> web.Response:
        platform, name = PLATFORMS[request[ROUTED]], request[ROUTED]
        event = request.match_info["event"]
        body = await request.read()
        intake = to_intake(parse_delivery(platform, body, event), event, now_ns())
        if name == "linkedin":
            learn_links(body)
        await publish_acked(publisher, intake, f"webhook:{name}", settings)
        metrics.delivered.labels(name, "accepted").inc(len(intake.accepted))
        metrics.delivered.labels(name, "dead_letter").inc(len(intake.rejected))
        rejected = [
            {"item": line.number, "field": rejection.field, "reason": rejection.reason}
            for line, rejection in intake.rejected
        ]
        return web.json_response({"accepted": len(intake.accepted), "rejected": rejected})

    too_large = f"body larger than {settings.max_body_bytes} bytes (SADA_MAX_BODY_BYTES)"
    add_route(app, "GET", PATH, handshake, Policy(too_large))
    add_route(app, "POST", PATH, deliver, Policy(too_large, verified(settings), count))
