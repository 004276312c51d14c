"""Every rejection rule of DESIGN §3 and every whole-request answer, through the HTTP API
of a running pipeline: the status, a reason naming the field, the dead letter stored
with its original bytes, and the rest of the batch stored."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from harness import ndjson, wait_for

from shared import bus

EVENT = "rules-2026"


def good_post(post_id: str) -> dict:
    return {
        "type": "post",
        "event": EVENT,
        "platform": "linkedin",
        "post_id": post_id,
        "created_at": "2026-10-26T09:00:00+01:00",
        "text": "صدى المؤتمر",
    }


def metrics(**fields) -> dict:
    return {
        "type": "metrics",
        "event": EVENT,
        "platform": "x",
        "post_id": "m1",
        "observed_at": "2026-10-26T10:00:00Z",
        **fields,
    }


def interaction(kind: str) -> dict:
    return {
        "type": "interaction",
        "event": EVENT,
        "platform": "x",
        "post_id": "p",
        "interaction_id": "i",
        "kind": kind,
        "occurred_at": "2026-10-26T10:00:00Z",
    }


def line(record: dict) -> bytes:
    return json.dumps(record).encode()


def without(record: dict, field: str) -> bytes:
    """``record`` as a line, ``field`` left out."""
    return line({k: v for k, v in record.items() if k != field})


TOO_LATE = (datetime.now(UTC) + timedelta(hours=25)).isoformat()
SOON = (datetime.now(UTC) + timedelta(hours=23)).isoformat()

# (case, raw line, field the answer must name, a word the reason must contain)
BAD_LINES = [
    ("invalid JSON", b'{"type": "post", "event": ', "", "JSON"),
    ("invalid UTF-8", b'{"type": "post", "text": "\xff\xfe"}', "", "UTF-8"),
    ("not an object", b'["post"]', "", "object"),
    ("unknown type", line({**good_post("p"), "type": "story"}), "type", "story"),
    ("missing type", without(good_post("p"), "type"), "type", "missing"),
    (
        "unknown platform",
        line({**good_post("p"), "platform": "myspace"}),
        "platform",
        "myspace",
    ),
    ("missing platform", without(good_post("p"), "platform"), "platform", "missing"),
    ("bad event slug", line({**good_post("p"), "event": "AUSIM 2022"}), "event", "pattern"),
    ("missing event", without(good_post("p"), "event"), "event", "missing"),
    ("post without post_id", without(good_post("p"), "post_id"), "post_id", "missing"),
    ("post without created_at", without(good_post("p"), "created_at"), "created_at", "missing"),
    ("metrics without observed_at", without(metrics(), "observed_at"), "observed_at", "missing"),
    (
        "interaction without kind",
        without(interaction(kind="like"), "kind"),
        "kind",
        "missing",
    ),
    (
        "interaction with unknown kind",
        line(interaction(kind="wow")),
        "kind",
        "like",
    ),
    (
        "mention without url",
        json.dumps(
            {"type": "mention", "event": EVENT, "platform": "web", "published_at": "2026-10-26T10:00:00Z"}
        ).encode(),
        "url",
        "missing",
    ),
    (
        "mention with a relative url",
        json.dumps(
            {
                "type": "mention",
                "event": EVENT,
                "platform": "web",
                "url": "/news/1",
                "published_at": "2026-10-26T10:00:00Z",
            }
        ).encode(),
        "url",
        "absolute",
    ),
    ("negative counter", line(metrics(likes=-3)), "likes", "greater than or equal to 0"),
    ("fractional counter", line(metrics(views=2.5)), "views", "integer"),
    ("counter as a string", line(metrics(shares="12")), "shares", "integer"),
    ("counter as a boolean", line(metrics(saves=True)), "saves", "integer"),
    (
        "timestamp before 2000",
        line(metrics(observed_at="1999-12-31T23:59:59Z")),
        "observed_at",
        "2000",
    ),
    (
        "timestamp more than 24 h ahead",
        line(metrics(observed_at=TOO_LATE)),
        "observed_at",
        "24 hours",
    ),
    (
        "timestamp without offset",
        line(metrics(observed_at="2026-10-26T10:00:00")),
        "observed_at",
        "offset",
    ),
    (
        "timestamp that is not a date",
        line(metrics(observed_at="yesterday")),
        "observed_at",
        "RFC 3339",
    ),
    (
        "timestamp as a number",
        line(metrics(observed_at=1761472800)),
        "observed_at",
        "RFC 3339",
    ),
]


def test_every_rejection_rule_answers_and_keeps_the_rest(pipeline):
    lines = []
    for n, (_, raw, _, _) in enumerate(BAD_LINES):
        lines += [json.dumps(good_post(f"ok-{n}")).encode(), raw]
    lines.append(line(metrics(observed_at=SOON, likes=0)))  # 23 h ahead is allowed
    status, answer, _ = pipeline.post(ndjson(lines))

    assert status == 200
    assert answer["accepted"] == len(BAD_LINES) + 1
    by_line = {item["line"]: item for item in answer["rejected"]}
    assert sorted(by_line) == [2 * (n + 1) for n in range(len(BAD_LINES))]
    for n, (case, _, field, word) in enumerate(BAD_LINES):
        item = by_line[2 * (n + 1)]
        assert item["field"] == field, case
        assert word.lower() in item["reason"].lower(), (case, item["reason"])

    pipeline.drain()
    summary = pipeline.store.query(
        "SELECT count() AS n FROM posts FINAL WHERE event = {e:String}", {"e": EVENT}
    )[0]
    assert summary["n"] == len(BAD_LINES)
    stored = pipeline.store.query("SELECT line, field, reason, base64Encode(raw) AS raw FROM rejected FINAL")
    import base64

    stored_by_line = {row["line"]: row for row in stored}
    for n, (case, raw, field, _) in enumerate(BAD_LINES):
        row = stored_by_line[2 * (n + 1)]
        assert base64.b64decode(row["raw"]) == raw, case
        assert row["field"] == field, case
        assert row["reason"] == by_line[2 * (n + 1)]["reason"]


def test_dead_letters_reach_the_rejected_topic_with_reason_and_original_bytes(pipeline, settings):
    raw = (
        b'{"type":"metrics","event":"rules-2026","platform":"x","post_id":"m","likes":-1,'
        b'"observed_at":"2026-10-26T10:00:00Z"}'
    )
    status, answer, _ = pipeline.post(
        raw, headers={"X-Sada-Source": "upload.ndjson", "X-Sada-First-Line": "41"}
    )
    assert status == 422
    assert answer == {
        "accepted": 0,
        "rejected": [{"line": 41, "field": "likes", "reason": "Input should be greater than or equal to 0"}],
    }
    consumer = bus.make_consumer(settings, group=f"{settings.consumer_group}-reader")
    consumer.subscribe([settings.topic(bus.REJECTED)])
    found = wait_for(
        lambda: [m for batch in consumer.poll(500).values() for m in batch],
        30,
        "the dead letter on the rejected topic",
    )
    consumer.close()
    message = found[0]
    headers = dict(message.headers)
    assert message.value == raw
    assert headers["sada-field"] == b"likes"
    assert headers["sada-line"] == b"41"
    assert headers["sada-source"] == b"http:upload.ndjson"
    assert headers["sada-event"] == b"rules-2026"


@pytest.mark.parametrize("content_type", ["application/json"])
def test_a_json_array_is_accepted_like_ndjson(pipeline, content_type):
    body = json.dumps([good_post("a1"), good_post("a2"), {"type": "post"}]).encode()
    status, answer, _ = pipeline.post(body, content_type=content_type)
    assert status == 200
    assert answer["accepted"] == 2
    assert [item["line"] for item in answer["rejected"]] == [3]


def test_whole_request_answers(pipeline, settings):
    body = ndjson([good_post("x")])
    assert pipeline.post(body, token=None)[0] == 401
    assert pipeline.post(body, token="not-a-token")[0] == 403
    status, answer, _ = pipeline.post(body, content_type="text/csv")
    assert status == 415 and "application/x-ndjson" in answer["error"]
    status, answer, _ = pipeline.post(b"[1, 2", content_type="application/json")
    assert status == 400 and "JSON" in answer["error"]
    assert pipeline.post(b"\n\n")[0] == 400
    status, answer, _ = pipeline.post(b"x" * (settings.max_body_bytes + 1))
    assert status == 413 and "SADA_MAX_BODY_BYTES" in answer["error"]
    status, answer, _ = pipeline.post(body, headers={"X-Sada-First-Line": "zero"})
    assert status == 400 and "X-Sada-First-Line" in answer["error"]


def test_service_routes(pipeline):
    for url in pipeline.local.urls.values():
        assert pipeline.get(f"{url}/healthz")[0] == 200
        status, ready = pipeline.get(f"{url}/readyz")
        assert status == 200 and ready["ready"] is True
        status, spec = pipeline.get(f"{url}/openapi.json")
        assert status == 200 and spec["openapi"].startswith("3.")
    pipeline.post(ndjson([good_post("counted")]))
    import urllib.request

    with urllib.request.urlopen(f"{pipeline.collector}/metrics") as response:
        text = response.read().decode()
    assert 'sada_collector_records_total{outcome="accepted"} 1.0' in text


def _served_paths(app) -> set[str]:
    return {
        info.get("path") or info.get("formatter")
        for info in (resource.get_info() for resource in app.router.resources())
    }


def _documented_paths(package: str) -> set[str]:
    from importlib import resources

    return set(json.loads(resources.files(package).joinpath("openapi.json").read_text("utf-8"))["paths"])


def test_every_served_route_is_in_the_openapi_file(pipeline):
    """The OpenAPI files list exactly the routes the apps serve, pollers and PDF included."""
    from services.aggregator.service import create_app as aggregator_app
    from services.collector.app import create_app as collector_app
    from services.collector.pollers.service import attach_pollers
    from services.reporter.app import create_app as reporter_app
    from shared.registry import Registry
    from shared.store import Store, connect

    local = pipeline.local
    collector = collector_app(local.settings, local.publisher)
    attach_pollers(collector, local.settings, Registry(), local.publisher)
    apps = {
        "services.collector": collector,
        "services.aggregator": aggregator_app(local.aggregator),
        "services.reporter": reporter_app(local.settings, Store(connect(local.settings))),
    }
    for package, app in apps.items():
        assert _served_paths(app) == _documented_paths(package), package
