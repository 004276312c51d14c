"""Hostile input never gets a 5xx from the collector (issue 13, problems 5, 6 and 8, the
collector's half), on a real collector and broker.

Every entry point (``/v1/events``, ``/v1/imports``, signed webhook deliveries) gets hostile
variants over raw HTTP (so headers can carry bytes no client library would send); each
answer is a 4xx with a JSON error, or a 2xx whose rejections name the field.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import hmac
import json
import math
import time
from typing import Any

import pytest
from harness import TOKEN, RunningPipeline, ndjson, wait_for
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from pydantic import SecretStr
from yarl import URL

from shared.settings import Settings, TikTokSettings, XSettings

TIKTOK_SECRET, X_SECRET = "tt-secret", "x-secret"
EVENT = "hostile-2025"
PROPERTY = hsettings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


async def raw_request(
    url: str,
    method: str,
    path: str,
    headers: list[tuple[bytes, bytes]],
    body: bytes,
    declared: int | None = None,
) -> tuple[int, bytes]:
    """One request over a plain socket: header bytes as given, ``declared`` as Content-Length."""
    where = URL(url)
    reader, writer = await asyncio.open_connection(where.host, where.port)
    head = [f"{method} {path} HTTP/1.1".encode(), f"Host: {where.host}".encode(), b"Connection: close"]
    head += [name + b": " + value for name, value in headers]
    head.append(b"Content-Length: " + str(len(body) if declared is None else declared).encode())
    writer.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
    await writer.drain()
    answer = await reader.read()
    writer.close()
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


def hostile_settings(settings: Settings, **overrides: Any) -> Settings:
    return settings.model_copy(
        update={
            "tiktok": TikTokSettings(client_secret=SecretStr(TIKTOK_SECRET)),
            "x": XSettings(consumer_secret=SecretStr(X_SECRET)),
            **overrides,
        }
    )


@pytest.fixture
def collector(settings: Settings):
    running = RunningPipeline(hostile_settings(settings, body_read_timeout_s=1.0))
    yield running
    running.close()


def answer_of(
    running: RunningPipeline, method: str, path: str, headers: list, body: bytes, **kw
) -> tuple[int, Any]:
    status, text = running.call(raw_request(running.collector, method, path, headers, body, **kw))
    assert status < 500, (path, headers, body[:300], status, text[:500])
    parsed = json.loads(text) if text else None
    if status >= 400 and status != 422:  # 422: every record rejected, each with its reason
        assert isinstance(parsed, dict) and parsed.get("error"), (status, text[:300])
    return status, parsed


AUTH = [(b"Authorization", f"Bearer {TOKEN}".encode())]
EXTREME_TIMES = st.sampled_from(
    [
        "0001-01-01T00:00:00+14:00",
        "0001-01-01T00:00:00-23:59",
        "9999-12-31T23:59:59-14:00",
        "9999-12-31T23:59:59+23:59",
        "0001-01-01",
        "9999-12-31 23:59",
    ]
)
HOSTILE_VALUES = st.one_of(
    EXTREME_TIMES,
    st.sampled_from([1e20, -1e20, 2**70, "9" * 5000, True, None, "", "NaN"]),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=20),
)
HEADERS = st.sampled_from(
    [
        [(b"Authorization", b"Bearer \xff\xfe"), (b"Content-Type", b"application/x-ndjson")],
        [(b"Authorization", b"Bearer \xc3\x28")],
        [*AUTH, (b"X-Sada-Source", b"\xe9t\xe9\xff"), (b"Content-Type", b"application/x-ndjson")],
        [*AUTH, (b"Content-Encoding", b"gzip"), (b"Content-Type", b"application/x-ndjson")],
        [*AUTH, (b"Content-Encoding", b"deflate"), (b"Content-Type", b"application/json")],
        [*AUTH, (b"Content-Encoding", b"x-unknown"), (b"Content-Type", b"application/x-ndjson")],
        [*AUTH, (b"Content-Type", b"application/x-ndjson")],
        [*AUTH, (b"Content-Type", b"application/json")],
    ]
)


def post_record(field: str, value: object) -> dict:
    record: dict[str, Any] = {
        "type": "post",
        "event": EVENT,
        "platform": "x",
        "post_id": "p1",
        "created_at": "2025-10-26T10:00:00Z",
    }
    record[field] = value
    return record


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@PROPERTY
@given(
    headers=HEADERS,
    field=st.sampled_from(["created_at", "observed_at", "views", "followers", "text"]),
    value=HOSTILE_VALUES,
    depth=st.sampled_from([0, 10, 5_000, 100_000]),
)
def test_events_never_answer_5xx(collector, headers, field, value, depth):
    record = json.dumps(post_record(field, value))
    if depth:
        record = record[:-1] + f', "extra": {nested(depth)}}}'
    body = ndjson([record.encode(), b"\xff\xfe not utf-8"])
    if any(value == b"application/json" for _, value in headers):
        body = f"[{record}]".encode()
    status, answer = answer_of(collector, "POST", "/v1/events", headers, body)
    if status in (200, 422):
        assert all(item["reason"] for item in answer["rejected"])


@PROPERTY
@given(
    headers=HEADERS,
    counter=st.one_of(
        st.sampled_from(["9" * 5000, "1" + "0" * 4400, "1e999", "NaN", "-0", "١٢٣"]), st.integers()
    ),
    date=st.one_of(EXTREME_TIMES, st.sampled_from(["10/26/0001 09:12", "Dec 31, 9999", "0000-00-00"])),
)
def test_imports_never_answer_5xx(collector, headers, counter, date):
    csv = f"Tweet id,Tweet permalink,Tweet text,time,impressions,engagements\n1,https://x.com/a/status/1,hi,{date},{counter},1\n"
    query = f"/v1/imports?event={EVENT}&format=x"
    status, answer = answer_of(collector, "POST", query, headers, csv.encode())
    if status in (200, 422):
        assert all(row["field"] and row["reason"] for row in answer["skipped"])


def tiktok(body: bytes) -> list[tuple[bytes, bytes]]:
    at = str(int(time.time()))
    signature = hmac.new(TIKTOK_SECRET.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return [(b"TikTok-Signature", f"t={at},s={signature}".encode())]


def x_signed(body: bytes) -> list[tuple[bytes, bytes]]:
    import base64

    mac = hmac.new(X_SECRET.encode(), body, hashlib.sha256).digest()
    return [(b"x-twitter-webhooks-signature", b"sha256=" + base64.b64encode(mac))]


@PROPERTY
@given(
    create_time=st.one_of(
        st.sampled_from([1e20, -1e20, math.nan, math.inf, 2**80, "9" * 5000, "²"]), HOSTILE_VALUES
    ),
    depth=st.sampled_from([0, 5_000]),
)
def test_signed_webhook_deliveries_never_answer_5xx(collector, create_time, depth):
    payload = {
        "event": "post.publish.publicly_available",
        "create_time": create_time,
        "user_openid": "o",
        "content": json.dumps({"post_id": "tt-1"}),
    }
    body = json.dumps(payload).encode()  # NaN and Infinity as Python writes them
    if depth:
        body = body[:-1] + f', "deep": {nested(depth)}}}'.encode()
    status, answer = answer_of(collector, "POST", f"/v1/webhooks/tiktok/{EVENT}", tiktok(body), body)
    assert status == 200, answer
    x_body = json.dumps(
        {
            "tweet_create_events": [
                {"id_str": "1", "timestamp_ms": create_time, "text": "hi", "user": {"screen_name": "a"}},
                {"id_str": "2", "created_at": "Mon Jan 01 00:00:00 +1400 0001", "user": {}},
                {"id_str": "3", "created_at": "Fri Dec 31 23:59:59 -1400 9999", "user": {}},
            ]
        }
    ).encode()
    status, answer = answer_of(collector, "POST", f"/v1/webhooks/x/{EVENT}", x_signed(x_body), x_body)
    assert status == 200, answer


def test_encodings_and_a_slow_body(collector):
    """Bad or unknown Content-Encoding answers 400/415 with a JSON error; a body that does not
    arrive within SADA_BODY_READ_TIMEOUT_S answers 408 (the handler is not held)."""
    ctype = (b"Content-Type", b"application/x-ndjson")
    for path in ("/v1/events", f"/v1/imports?event={EVENT}"):
        garbage = answer_of(
            collector, "POST", path, [*AUTH, ctype, (b"Content-Encoding", b"gzip")], b"not gzip"
        )
        assert garbage[0] == 400 and "cannot be read" in garbage[1]["error"]
        unknown = answer_of(collector, "POST", path, [*AUTH, ctype, (b"Content-Encoding", b"compress")], b"x")
        assert unknown[0] == 415
        slow = answer_of(collector, "POST", path, [*AUTH, ctype], b'{"type": "post"', declared=10_000)
        assert slow[0] == 408 and "SADA_BODY_READ_TIMEOUT_S" in slow[1]["error"]
    good = ndjson([post_record("post_id", "gz-1")])
    status, answer = answer_of(
        collector, "POST", "/v1/events", [*AUTH, ctype, (b"Content-Encoding", b"gzip")], gzip.compress(good)
    )
    assert status == 200 and answer["accepted"] == 1


def test_a_record_too_large_for_kafka_is_rejected_alone(collector):
    """A 2 MB record between good ones: 200, the big one rejected with its size and the
    limit (and dead-lettered), the others stored."""
    big = post_record("post_id", "big")
    big["text"] = "x" * 2_000_000
    records = [post_record("post_id", "before"), big, post_record("post_id", "after")]
    status, answer, _ = collector.post(ndjson(records))
    assert status == 200, answer
    assert answer["accepted"] == 2
    [rejected] = answer["rejected"]
    assert rejected["line"] == 2 and "SADA_MAX_RECORD_BYTES" in rejected["reason"]
    assert "2000" in rejected["reason"] and "1000000" in rejected["reason"]
    collector.drain()
    store = collector.store

    def stored() -> list[str]:
        rows = store.query(
            "SELECT post_id FROM posts FINAL WHERE event = {e:String} ORDER BY post_id", {"e": EVENT}
        )
        return [row["post_id"] for row in rows]

    assert wait_for(stored, 30, "the two good posts") == ["after", "before"]
    rejects = store.query("SELECT reason FROM rejected WHERE reason LIKE '%SADA_MAX_RECORD_BYTES%'", {})
    assert len(rejects) == 1
