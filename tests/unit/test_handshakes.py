"""Webhook handshakes never sign what an outsider chooses (issue 13, problem 2).

X's CRC and LinkedIn's validation answer with the HMAC their deliveries are signed with.
Forged both ways: asking a handshake to sign a delivery body is refused, and posting a
handshake's challenge as a delivery, with the handshake's answer as its signature, is
refused too. No broker: every answer here comes before anything is published (the
collector's Kafka address is a closed port, so a delivery that got through would answer 503).
"""

from __future__ import annotations

import json
import urllib.parse
import uuid

import aiohttp
from harness import Background
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from pydantic import SecretStr

from services.collector.app import create_app
from services.collector.publisher import Publisher
from services.collector.webhooks.signatures import linkedin_signature
from shared.http import start_site
from shared.settings import LinkedInSettings, MetaSettings, Settings, TikTokSettings, XSettings

X_SECRET, LI_SECRET, VERIFY = b"x-consumer-secret", b"li-client-secret", "meta-verify"
EVENT = "forge-test"
FORGED = json.dumps(
    {
        "for_user_id": "1",
        "tweet_create_events": [
            {"id_str": "666", "created_at": "Sun Oct 26 10:00:00 +0000 2025", "text": "forged", "user": {}}
        ],
    }
)


class Collector(Background):
    """A collector with every webhook secret set, on a loop of its own."""

    def __init__(self) -> None:
        super().__init__()
        settings = Settings(
            kafka_bootstrap="127.0.0.1:9",
            kafka_max_block_ms=200,
            x=XSettings(consumer_secret=SecretStr(X_SECRET.decode())),
            linkedin=LinkedInSettings(client_secret=SecretStr(LI_SECRET.decode())),
            tiktok=TikTokSettings(client_secret=SecretStr("tt-secret")),
            meta=MetaSettings(app_secret=SecretStr("meta-secret"), verify_token=SecretStr(VERIFY)),
        )
        self.runner, self.url = self.call(
            start_site(create_app(settings, Publisher(settings)), "127.0.0.1", 0)
        )

    def request(
        self, method: str, path: str, body: bytes = b"", headers: dict | None = None
    ) -> tuple[int, str]:
        async def go() -> tuple[int, str]:
            async with (
                aiohttp.ClientSession() as session,
                session.request(method, self.url + path, data=body, headers=headers) as response,
            ):
                return response.status, await response.text()

        return self.call(go())

    def close(self) -> None:
        self.call(self.runner.cleanup())
        self.stop()


def handshake(collector: Collector, platform: str, query: dict[str, str]) -> tuple[int, str]:
    return collector.request("GET", f"/v1/webhooks/{platform}/{EVENT}?{urllib.parse.urlencode(query)}")


def test_x_crc_refuses_to_sign_a_delivery_and_its_answer_signs_none():
    collector = Collector()
    try:
        # Asked to sign a delivery body: refused, so there is no signature to post it with.
        status, text = handshake(collector, "x", {"crc_token": FORGED})
        assert status == 400 and "crc_token" in json.loads(text)["error"]
        # The other way: a genuine challenge's answer, posted with the challenge as the body.
        token = "M2YzZTA3NTMtZDFhYi00ZjFkLWE3YjgtNDU4ZDRmMzJlNzQw"
        status, text = handshake(collector, "x", {"crc_token": token})
        assert status == 200
        answer = json.loads(text)["response_token"]
        status, text = collector.request(
            "POST", f"/v1/webhooks/x/{EVENT}", token.encode(), {"x-twitter-webhooks-signature": answer}
        )
        assert status == 400 and "JSON object" in json.loads(text)["error"]
    finally:
        collector.close()


def test_linkedin_validation_answers_only_a_uuid():
    collector = Collector()
    try:
        # A delivery signature is HMAC("hmacsha256=" + body): the challenge that would forge it.
        status, text = handshake(collector, "linkedin", {"challengeCode": "hmacsha256=" + FORGED})
        assert status == 400 and "UUID" in json.loads(text)["error"]
        code = str(uuid.uuid4())
        status, text = handshake(collector, "linkedin", {"challengeCode": code})
        assert status == 200
        answer = json.loads(text)
        assert answer == {
            "challengeCode": code,
            "challengeResponse": linkedin_signature(LI_SECRET, code.encode(), b""),
        }
        status, _ = collector.request(
            "POST",
            f"/v1/webhooks/linkedin/{EVENT}",
            code.encode(),
            {"X-LI-Signature": answer["challengeResponse"]},
        )
        assert status == 400
    finally:
        collector.close()


def test_meta_echoes_and_tiktok_has_no_handshake():
    collector = Collector()
    try:
        query = {"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": VERIFY}
        assert handshake(collector, "meta", query) == (200, "1158201444")  # echoed, not signed
        assert handshake(collector, "meta", {**query, "hub.verify_token": "guess"})[0] == 403
        assert handshake(collector, "meta", {**query, "hub.challenge": FORGED})[0] == 400
        assert handshake(collector, "tiktok", {"challenge": "x"})[0] == 405
    finally:
        collector.close()


COLLECTOR: list[Collector] = []


def shared_collector() -> Collector:
    if not COLLECTOR:
        COLLECTOR.append(Collector())
    return COLLECTOR[0]


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=80), st.just(FORGED), st.from_regex(r"\s*\{.*", fullmatch=True)))
def test_no_handshake_answer_is_a_delivery_signature(challenge):
    """Whatever a handshake signs, posting it as a delivery with that signature is refused."""
    collector = shared_collector()
    for platform, name, header, field in (
        ("x", "crc_token", "x-twitter-webhooks-signature", "response_token"),
        ("linkedin", "challengeCode", "X-LI-Signature", "challengeResponse"),
    ):
        status, text = handshake(collector, platform, {name: challenge})
        assert status in (200, 400), (platform, status, text)
        if status != 200:
            continue
        signature = json.loads(text)[field]
        status, _ = collector.request(
            "POST", f"/v1/webhooks/{platform}/{EVENT}", challenge.encode(), {header: signature}
        )
        assert 400 <= status < 500, (platform, challenge, status)


def teardown_module() -> None:
    for collector in COLLECTOR:
        collector.close()
