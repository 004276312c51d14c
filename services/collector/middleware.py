"""The collector's middlewares: one place for who may send, body limits, error answers and
request counting, driven by each route's :class:`Policy`.

Handlers raise :class:`~services.collector.answers.Refused` (or let aiohttp's body limit
raise); the middlewares, outermost first:

1. **counting**: the route's counter sees every answer, refusals included;
2. **errors**: a refusal becomes ``{"error": message}`` with its status and headers, a body
   above ``SADA_MAX_BODY_BYTES`` the route's own 413 message;
3. **authentication**: the route's check runs before the handler (a bearer token from
   ``SADA_INGEST_TOKENS`` for ``/v1/events`` and ``/v1/imports``, the platform's signature for
   webhook deliveries).

Routes without a policy (health, metrics, OpenAPI, ``/v1/produced``, ``/v1/pollers``) pass
through untouched.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Handler

from services.collector.answers import Refused, is_text
from shared.http import error
from shared.settings import Settings

Check = Callable[[web.Request], Awaitable[None]]
Count = Callable[[web.Request, int], None]


@dataclass(frozen=True)
class Policy:
    """What the middlewares do for one route."""

    too_large: str = ""  # the 413 message
    authenticate: Check | None = None
    count: Count | None = None


POLICIES = web.AppKey("collector_policies", dict)


def add_route(
    app: web.Application,
    method: str,
    path: str,
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    policy: Policy,
) -> None:
    route = app.router.add_route(method, path, handler)
    app.setdefault(POLICIES, {})[route] = policy


def _policy(request: web.Request) -> Policy | None:
    policy: Policy | None = request.app.get(POLICIES, {}).get(request.match_info.route)
    return policy


def bearer(settings: Settings) -> Check:
    """401 without a bearer token, 403 for one not in ``SADA_INGEST_TOKENS``."""

    async def check(request: web.Request) -> None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Refused(
                401,
                "missing bearer token: send 'Authorization: Bearer <token>' with a token from "
                "SADA_INGEST_TOKENS",
                {"WWW-Authenticate": 'Bearer realm="sada"'},
            )
        if not is_text(token) or not settings.token_is_valid(token.strip()):
            raise Refused(403, "this token is not allowed to ingest")

    return check


@web.middleware
async def counting(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    policy = _policy(request)
    if policy is not None and policy.count is not None:
        policy.count(request, response.status)
    return response


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except Refused as refused:
        response = error(refused.status, refused.message)
        response.headers.update(refused.headers)
        return response
    except web.HTTPRequestEntityTooLarge:
        policy = _policy(request)
        if policy is None or not policy.too_large:
            raise
        return error(413, policy.too_large)


@web.middleware
async def authentication(request: web.Request, handler: Handler) -> web.StreamResponse:
    policy = _policy(request)
    if policy is not None and policy.authenticate is not None:
        await policy.authenticate(request)
    return await handler(request)


MIDDLEWARES = (counting, errors, authentication)
