"""The platforms' webhook signature schemes, over the raw body, compared in constant time.

- meta, ``X-Hub-Signature-256``: ``sha256=`` + hex HMAC-SHA256(app secret, body);
- x, ``x-twitter-webhooks-signature``: ``sha256=`` + base64 HMAC-SHA256(consumer secret, body);
- linkedin, ``X-LI-Signature``: hex HMAC-SHA256(client secret, ``hmacsha256=`` + body);
- tiktok, ``TikTok-Signature``: ``t=<unix>,s=`` + hex HMAC-SHA256(client secret, ``<t>.`` + body),
  ``t`` within ``SADA_WEBHOOK_TOLERANCE_S`` of now.

A ``verify_*`` function answers None for a genuine delivery, else the :class:`Refusal`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass


def _mac(secret: bytes, message: bytes) -> bytes:
    return hmac.new(secret, message, hashlib.sha256).digest()


def meta_signature(secret: bytes, body: bytes) -> str:
    return "sha256=" + _mac(secret, body).hex()


def x_signature(secret: bytes, message: bytes) -> str:
    """Signs deliveries and answers the CRC challenge alike."""
    return "sha256=" + base64.b64encode(_mac(secret, message)).decode()


def linkedin_signature(secret: bytes, message: bytes, prefix: bytes = b"hmacsha256=") -> str:
    """Deliveries sign ``hmacsha256=`` + body; the challenge signs the code alone (``prefix=b""``)."""
    return _mac(secret, prefix + message).hex()


def tiktok_signature(secret: bytes, timestamp: str, body: bytes) -> str:
    return _mac(secret, timestamp.encode() + b"." + body).hex()


@dataclass(frozen=True)
class Refusal:
    status: int
    message: str


def same(presented: str, expected: str | bytes) -> bool:
    """Constant-time comparison of what a request presents with what it should."""
    wanted = expected.encode() if isinstance(expected, str) else expected
    return hmac.compare_digest(presented.encode("utf-8", "replace"), wanted)


def _mismatch(name: str) -> Refusal:
    return Refusal(403, f"the {name} signature does not match the body (is the secret the app's?)")


def verify_meta(secret: bytes, value: str, body: bytes, _now: float, _tolerance: int) -> Refusal | None:
    return None if same(value.strip().lower(), meta_signature(secret, body)) else _mismatch("Meta")


def verify_x(secret: bytes, value: str, body: bytes, _now: float, _tolerance: int) -> Refusal | None:
    return None if same(value.strip(), x_signature(secret, body)) else _mismatch("X")


def verify_linkedin(secret: bytes, value: str, body: bytes, _now: float, _tolerance: int) -> Refusal | None:
    return None if same(value.strip().lower(), linkedin_signature(secret, body)) else _mismatch("LinkedIn")


def verify_tiktok(secret: bytes, value: str, body: bytes, now: float, tolerance: int) -> Refusal | None:
    """The signature first, then its age: a replayed delivery is refused even when genuine."""
    parts = dict(part.strip().partition("=")[::2] for part in value.split(","))
    timestamp, signature = parts.get("t", ""), parts.get("s", "")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12) or not signature:
        return Refusal(403, "TikTok-Signature must look like t=<unix time>,s=<hex signature>")
    if not same(signature.lower(), tiktok_signature(secret, timestamp, body)):
        return _mismatch("TikTok")
    age = now - int(timestamp)
    if abs(age) > tolerance:
        return Refusal(
            403,
            f"the TikTok-Signature timestamp is {abs(age):.0f} s from now, more than "
            f"SADA_WEBHOOK_TOLERANCE_S ({tolerance} s): a replay, or a clock that is off",
        )
    return None
