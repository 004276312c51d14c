"""Read tokens for the reporter (``SADA_REPORTER_TOKENS``): when set, one middleware asks
every request for ``Authorization: Bearer <token>``, except the service routes an
orchestrator or Prometheus reads (:data:`OPEN`) and the live page's shell and assets
(:data:`OPEN_PREFIXES`, no figure in them); unset, the reporter is open.

Grafana reads ClickHouse directly, never the reporter, so its dashboards need no token.
"""

from __future__ import annotations

import hmac
import os

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from pydantic import SecretStr

from shared.http import error
from shared.settings import Settings

# Health, readiness, latency metrics and the API's description: no event data in them.
OPEN = frozenset({"/healthz", "/readyz", "/metrics", "/openapi.json"})
# The live page's shell and assets (services/reporter/live/page.py): words and code, no figure;
# its script asks the JSON with the token the user gave it (``#token=``).
OPEN_PREFIXES = ("/live/",)


def _known(presented: str, tokens: list[bytes]) -> bool:
    """Constant-time comparison with every token. Header bytes that are not UTF-8 reach us
    as surrogates; encoded with ``surrogatepass`` they never equal a token, and never raise."""
    given = presented.encode("utf-8", "surrogatepass")
    matches = [hmac.compare_digest(given, token) for token in tokens]
    return any(matches)


def read_tokens(tokens: list[SecretStr]) -> Middleware | None:
    """The middleware that asks for one of ``tokens``; None (no middleware) without tokens."""
    known = [token.get_secret_value().encode() for token in tokens]
    if not known:
        return None

    @web.middleware
    async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path in OPEN or request.path.startswith(OPEN_PREFIXES) or request.path == "/live":
            return await handler(request)
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and _known(token.strip(), known):
            return await handler(request)
        response = error(
            401, "this reporter needs 'Authorization: Bearer <token>' with a token from SADA_REPORTER_TOKENS"
        )
        response.headers["WWW-Authenticate"] = 'Bearer realm="sada-reporter"'
        return response

    return authenticate


def client_token(given: str | None, configured: list[SecretStr]) -> str:
    """The token a ``sada`` client command sends: ``--token``, else ``$SADA_TOKEN``, else the
    first of ``configured`` (``SADA_REPORTER_TOKENS`` or ``SADA_INGEST_TOKENS``); "" for none."""
    return given or os.environ.get("SADA_TOKEN") or (configured[0].get_secret_value() if configured else "")


def token_headers(settings: Settings, given: str | None) -> dict[str, str]:
    """What ``sada report --url`` sends: :func:`client_token` of ``SADA_REPORTER_TOKENS``;
    no header when none is set (an open reporter)."""
    token = client_token(given, settings.reporter_tokens)
    return {"Authorization": f"Bearer {token}"} if token else {}
