"""The webhook signature schemes, as pure functions (no server, no broker)."""

import base64
import hashlib
import hmac

from services.collector.webhooks.signatures import (
    linkedin_signature,
    verify_linkedin,
    verify_meta,
    verify_tiktok,
    verify_x,
)

SECRET, BODY, NOW = b"s3cret", b'{"entry":[]}', 1_761_472_800.0


def mac(message: bytes) -> bytes:
    return hmac.new(SECRET, message, hashlib.sha256).digest()


def test_genuine_signatures_pass_in_each_scheme():
    assert verify_meta(SECRET, "sha256=" + mac(BODY).hex().upper(), BODY, NOW, 300) is None
    assert verify_x(SECRET, "sha256=" + base64.b64encode(mac(BODY)).decode(), BODY, NOW, 300) is None
    assert verify_linkedin(SECRET, mac(b"hmacsha256=" + BODY).hex(), BODY, NOW, 300) is None
    signed = f"t={int(NOW)},s=" + mac(f"{int(NOW)}.".encode() + BODY).hex()
    assert verify_tiktok(SECRET, signed, BODY, NOW, 300) is None
    assert linkedin_signature(SECRET, b"code", prefix=b"") == mac(b"code").hex()


def test_wrong_malformed_and_stale_signatures_are_refused():
    wrong = verify_meta(SECRET, "sha256=" + mac(b"other").hex(), BODY, NOW, 300)
    assert wrong is not None and wrong.status == 403 and "Meta signature" in wrong.message
    assert verify_x(SECRET, "sha256=nope", BODY, NOW, 300) is not None
    malformed = verify_tiktok(SECRET, "s=abc", BODY, NOW, 300)
    assert malformed is not None and "t=<unix time>" in malformed.message
    old = int(NOW) - 600
    stale = verify_tiktok(SECRET, f"t={old},s=" + mac(f"{old}.".encode() + BODY).hex(), BODY, NOW, 300)
    assert stale is not None and "600 s from now" in stale.message
