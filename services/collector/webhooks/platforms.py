"""What differs between the webhook platforms: where the signature is, how to check it, the
handshake, and how a delivery becomes records."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from aiohttp import web
from pydantic import SecretStr

from services.collector.mapping import Item
from services.collector.webhooks import handshakes, signatures
from services.collector.webhooks.linkedin import map_linkedin
from services.collector.webhooks.meta import map_meta
from services.collector.webhooks.tiktok import map_tiktok
from services.collector.webhooks.x import map_x
from shared.events import load_json
from shared.settings import LinkedInSettings, MetaSettings, Settings, TikTokSettings, XSettings


@dataclass(frozen=True)
class Platform:
    name: str
    header: str
    secret: Callable[[Settings], SecretStr | None]
    secret_env: str  # the variable that sets it, for the answer when it is not set
    verify: Callable[[bytes, str, bytes, float, int], signatures.Refusal | None]
    handshake: Callable[[Settings, Mapping[str, str]], web.Response]
    deliveries: Callable[[dict, str], list[Item]]


PLATFORMS = {
    "meta": Platform(
        "Meta",
        "X-Hub-Signature-256",
        lambda settings: settings.meta.app_secret,
        MetaSettings.env("app_secret"),
        signatures.verify_meta,
        handshakes.handshake_meta,
        map_meta,
    ),
    "x": Platform(
        "X",
        "x-twitter-webhooks-signature",
        lambda settings: settings.x.consumer_secret,
        XSettings.env("consumer_secret"),
        signatures.verify_x,
        handshakes.handshake_x,
        map_x,
    ),
    "linkedin": Platform(
        "LinkedIn",
        "X-LI-Signature",
        lambda settings: settings.linkedin.client_secret,
        LinkedInSettings.env("client_secret"),
        signatures.verify_linkedin,
        handshakes.handshake_linkedin,
        map_linkedin,
    ),
    "tiktok": Platform(
        "TikTok",
        "TikTok-Signature",
        lambda settings: settings.tiktok.client_secret,
        TikTokSettings.env("client_secret"),
        signatures.verify_tiktok,
        handshakes.handshake_tiktok,
        map_tiktok,
    ),
}


def parse_delivery(platform: Platform, body: bytes, event: str) -> list[Item]:
    """Every item of a verified delivery (a body starting with ``{``, see
    :func:`~services.collector.webhooks.routes.verified`); one that does not parse is one
    dead letter."""
    try:
        payload = load_json(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return [Item("", body, None, f"the delivery is not UTF-8 (byte {exc.start})")]
    except ValueError as exc:
        return [Item("", body, None, f"the delivery is not JSON: {exc}")]
    assert isinstance(payload, dict)  # the body begins with "{"
    return platform.deliveries(payload, event)
