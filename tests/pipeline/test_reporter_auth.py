"""Read tokens for the reporter (issue 13, 8): with ``SADA_REPORTER_TOKENS`` set, every route
but health, readiness, metrics and the OpenAPI document answers 401 without one of the tokens,
whatever the header holds (non-UTF-8 bytes included), and ``sada report --url`` sends it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from harness import RunningPipeline, env_of, pipeline_settings, sada
from harness.secure import Broker
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

TOKENS = ("read-one", "read-two")
EVENT = "auth"
DATA = (
    "/v1/events",
    f"/v1/events/{EVENT}",
    f"/v1/events/{EVENT}/summary",
    f"/v1/events/{EVENT}/series",
    f"/v1/events/{EVENT}/breakdown/platform",
    f"/v1/events/{EVENT}/top-posts",
    f"/v1/events/{EVENT}/mentions/outlet",
    f"/v1/events/{EVENT}/trends",
    f"/v1/events/{EVENT}/compare?with=other",
    f"/v1/events/{EVENT}/sources",
    f"/v1/events/{EVENT}/posts/linkedin/urn%3Ali%3Ashare%3A1",
    f"/v1/events/{EVENT}/report.pdf",
    "/v1/nowhere",
)
SERVICE = ("/healthz", "/readyz", "/metrics", "/openapi.json")


@pytest.fixture(scope="module")
def guarded(broker: Broker, chdb_dir: Path) -> Iterator[RunningPipeline]:
    running = RunningPipeline(pipeline_settings(broker, chdb_dir, "tauth", reporter_tokens=list(TOKENS)))
    yield running
    running.close()


async def raw_get(base: str, path: str, authorization: bytes | None) -> tuple[int, bytes]:
    """A GET written byte for byte, so the header can hold what no client library sends."""
    where = urlsplit(base)
    reader, writer = await asyncio.open_connection(where.hostname, where.port)
    header = b"" if authorization is None else b"Authorization: " + authorization + b"\r\n"
    writer.write(
        b"GET " + path.encode() + b" HTTP/1.1\r\nHost: sada\r\n" + header + b"Connection: close\r\n\r\n"
    )
    answer = await reader.read()
    writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def status(pipeline: RunningPipeline, path: str, authorization: bytes | None) -> int:
    return pipeline.call(raw_get(pipeline.reporter, path, authorization))[0]


def test_data_routes_need_a_token_and_service_routes_do_not(guarded):
    for path in DATA:
        found, body = guarded.call(raw_get(guarded.reporter, path, None))
        assert found == 401 and b"SADA_REPORTER_TOKENS" in body, (path, body)
        assert status(guarded, path, b"Bearer not-a-token") == 401, path
        assert status(guarded, path, b"Basic read-one") == 401, path
        assert status(guarded, path, b"Bearer " + b"\xff\xfe read-one") == 401, path
    for path in SERVICE:
        assert status(guarded, path, None) == 200, path
    for token in TOKENS:
        assert status(guarded, f"/v1/events/{EVENT}/summary", f"Bearer {token}".encode()) == 200
        assert status(guarded, "/v1/events", f"bearer  {token} ".encode()) == 200


@settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(
    header=st.one_of(
        st.binary(max_size=60),
        st.binary(max_size=40).map(lambda b: b"Bearer " + b),
        st.text(max_size=40).map(lambda t: ("Bearer " + t).encode()),
        st.sampled_from(TOKENS).map(lambda t: f"Bearer {t}x".encode()),
    ).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))
)
def test_no_header_but_a_token_opens_the_reporter_and_none_fails_it(guarded, header):
    found = status(guarded, f"/v1/events/{EVENT}/summary", header)
    assert found in (400, 401), (header, found)


def test_sada_report_sends_the_token(guarded):
    base = env_of(guarded.local.settings)
    url = guarded.reporter
    given = sada("report", "summary", "--event", EVENT, "--url", url, "--token", TOKENS[1], env=base)
    assert given.returncode == 0 and json.loads(given.stdout)["event"] == EVENT, given.stderr
    from_env = sada("report", "series", "--event", EVENT, "--url", url, env={**base, "SADA_TOKEN": TOKENS[0]})
    assert from_env.returncode == 0 and json.loads(from_env.stdout) == [], from_env.stderr
    configured = {**base, "SADA_REPORTER_TOKENS": ",".join(TOKENS), "SADA_TOKEN": ""}
    first = sada("report", "summary", "--event", EVENT, "--url", url, env=configured)
    assert first.returncode == 0, first.stderr
    refused = sada("report", "summary", "--event", EVENT, "--url", url, env={**base, "SADA_TOKEN": ""})
    assert refused.returncode == 1 and "HTTP 401" in refused.stderr, refused.stderr
