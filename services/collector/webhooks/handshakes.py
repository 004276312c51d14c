"""The verification requests platforms send before (and while) delivering: Meta's
``hub.challenge``, X's CRC check, LinkedIn's ``challengeCode``; TikTok has none.

X and LinkedIn answer with the same HMAC their deliveries are signed with, over text the
caller chooses, without credentials. So a handshake answers only the challenge shapes the
platforms send (X: a short token of letters, digits and ``-_=+/``; LinkedIn: a UUID) and
refuses anything else with 400. None of these shapes can be a delivery, which is a JSON
object (:func:`~services.collector.webhooks.routes.verified` refuses any other body), so a
handshake's answer never signs a delivery. Meta's challenge is echoed, never signed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from aiohttp import web
from pydantic import SecretStr

from services.collector.answers import Refused
from services.collector.webhooks.signatures import linkedin_signature, same, x_signature
from shared.settings import LinkedInSettings, MetaSettings, Settings, XSettings, revealed

# What a handshake may echo back: Meta's challenge is a number; refuse markup.
CHALLENGE = re.compile(r"[A-Za-z0-9._~-]{1,256}")
# X's crc_token: an opaque short token (base64 or URL-safe text); never braces or spaces.
CRC_TOKEN = re.compile(r"[A-Za-z0-9_=+/-]{1,128}")
# LinkedIn's challengeCode: a (type-4) UUID.
UUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")


def secret_bytes(value: SecretStr | None, env: str, what: str) -> bytes:
    """A platform secret, or a 503 naming the variable to set (never its value)."""
    secret = revealed(value)
    if not secret:
        raise Refused(503, f"{what} needs {env}; set it and restart the collector")
    return secret.encode()


def _challenge(query: Mapping[str, str], name: str, shape: re.Pattern[str], what: str) -> str:
    """The challenge, when it has the shape the platform sends; 400 otherwise (never signed)."""
    value = query.get(name, "")
    if not shape.fullmatch(value):
        raise Refused(400, f"expected {name}: {what}")
    return value


def handshake_meta(settings: Settings, query: Mapping[str, str]) -> web.Response:
    token = secret_bytes(
        settings.meta.verify_token,
        MetaSettings.env("verify_token"),
        "Meta's verification request (the Verify Token of the webhook)",
    )
    challenge = query.get("hub.challenge", "")
    if query.get("hub.mode") != "subscribe" or not CHALLENGE.fullmatch(challenge):
        raise Refused(400, "expected hub.mode=subscribe, hub.challenge and hub.verify_token")
    if not same(query.get("hub.verify_token", ""), token):
        raise Refused(403, "hub.verify_token is not the one set in SADA_META_VERIFY_TOKEN")
    return web.Response(text=challenge, content_type="text/plain")


# What needs the app's secret, for the 503 when it is not set.
X_CRC = "X's CRC check (the app's consumer secret)"
LINKEDIN_VALIDATION = "LinkedIn's validation (the app's client secret)"


def handshake_x(settings: Settings, query: Mapping[str, str]) -> web.Response:
    secret = secret_bytes(settings.x.consumer_secret, XSettings.env("consumer_secret"), X_CRC)
    token = _challenge(query, "crc_token", CRC_TOKEN, "X's token of 1 to 128 letters, digits or -_=+/")
    return web.json_response({"response_token": x_signature(secret, token.encode())})


def handshake_linkedin(settings: Settings, query: Mapping[str, str]) -> web.Response:
    client = settings.linkedin.client_secret
    secret = secret_bytes(client, LinkedInSettings.env("client_secret"), LINKEDIN_VALIDATION)
    code = _challenge(query, "challengeCode", UUID, "LinkedIn's UUID")
    return web.json_response(
        {"challengeCode": code, "challengeResponse": linkedin_signature(secret, code.encode(), prefix=b"")}
    )


def handshake_tiktok(_: Settings, __: Mapping[str, str]) -> web.Response:
    raise Refused(
        405,
        "TikTok has no verification handshake: register this URL and it POSTs signed deliveries",
        {"Allow": "POST"},
    )
