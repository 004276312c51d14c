"""Each service's own ``/openapi.json`` fuzzed by schemathesis (issue 13): every operation of
the collector, the aggregator and the reporter, with inputs that fit the document and inputs
that do not, answers without a server error, and its answers fit the document.

One running pipeline (local mode on the shared broker and store) serves all three; the
collector is asked with the ingest token and every webhook secret set, so the code behind
each route runs rather than a 503 naming a missing secret. Examples are bounded and
derandomized, so a run is short and repeatable."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from harness import TOKEN, RunningPipeline, pipeline_settings
from harness.secure import Broker
from pydantic import SecretStr
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from shared.settings import LinkedInSettings, MetaSettings, TikTokSettings, XSettings

EXAMPLES = 25  # per operation and generation mode (inputs that fit the document, and not)
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture(scope="module")
def running(broker: Broker, chdb_dir: Path) -> Iterator[RunningPipeline]:
    secret = SecretStr
    settings = pipeline_settings(
        broker,
        chdb_dir,
        "tfuzz",
        x=XSettings(consumer_secret=secret("x-secret")),
        linkedin=LinkedInSettings(client_secret=secret("li-secret")),
        tiktok=TikTokSettings(client_secret=secret("tt-secret")),
        meta=MetaSettings(app_secret=secret("meta-secret"), verify_token=secret("meta-verify")),
    )
    pipeline = RunningPipeline(settings)
    pipeline.post_all(
        [
            {
                "type": "post",
                "event": "a",
                "platform": "x",
                "post_id": "p",
                "created_at": "2024-05-01T10:00:00Z",
            },
            {
                "type": "metrics",
                "event": "a",
                "platform": "x",
                "post_id": "p",
                "likes": 3,
                "observed_at": "2024-05-01T10:05:00Z",
            },
        ]
    )
    yield pipeline
    pipeline.close()


SERVICES = Path(__file__).parents[2] / "services"
# Bodies the document describes as strings: NDJSON, CSV, and export files (whose generated
# "contents" are garbage the parsers must refuse with a 4xx).
RAW_BODIES = (
    "application/x-ndjson",
    "application/ndjson",
    "application/jsonl",
    "application/jsonlines",
    "text/csv",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)


@schemathesis.serializer(*RAW_BODIES)
def as_text(_: Any, value: Any) -> bytes:
    """A string body as it is (a value of another type, from negative examples, as JSON)."""
    if isinstance(value, bytes):
        return value
    return (value if isinstance(value, str) else json.dumps(value)).encode("utf-8", "surrogatepass")


def loaded(service: str) -> Any:
    """The document ``service`` serves at ``/openapi.json`` (the test below checks it is this
    file), with bounded, derandomized examples."""
    schema = schemathesis.openapi.from_path(SERVICES / service / "openapi.json")
    schema.config.generation.update(max_examples=EXAMPLES, deterministic=True)
    return schema


reporter = loaded("reporter")
aggregator = loaded("aggregator")
collector = loaded("collector")


def test_each_service_serves_its_document(running):
    for service in ("collector", "aggregator", "reporter"):
        status, served = running.get(f"{running.local.urls[service]}/openapi.json")
        assert status == 200 and served == json.loads((SERVICES / service / "openapi.json").read_text())


def call(case: Any, base_url: str, **headers: str) -> None:
    """Send ``case`` and check the answer. The request goes through ``requests`` here rather
    than ``case.call()``: schemathesis's transport counts pooled connections in a way the
    urllib3-future package (pulled in by niquests) breaks."""
    response = requests.request(**case.as_transport_kwargs(base_url=base_url, headers=headers), timeout=60)
    case.validate_response(response, checks=CHECKS)


@reporter.parametrize()
def test_reporter(case, running):
    call(case, running.reporter)


@aggregator.parametrize()
def test_aggregator(case, running):
    call(case, running.local.urls["aggregator"])


@collector.parametrize()
def test_collector(case, running):
    call(case, running.collector, Authorization=f"Bearer {TOKEN}")
