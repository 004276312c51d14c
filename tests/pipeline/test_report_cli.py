"""``sada report`` in a child process, where it cannot do what it is asked: one line on stderr
that says what to do, a non-zero exit, no traceback, and nothing written — no "no data" PDF, no
``.sada`` directory made by opening a store that was not there (issue 15, item 5). A store that
holds the event still answers (the checks do not stand in the way of the right question).
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from aiohttp import web
from harness import Served, ndjson, sada

EVENT = "cli-forum"
RECORDS = [
    {
        "type": "post",
        "event": EVENT,
        "platform": "x",
        "post_id": "1",
        "created_at": "2024-06-01T10:00:00Z",
    },
    {
        "type": "metrics",
        "event": EVENT,
        "platform": "x",
        "post_id": "1",
        "observed_at": "2024-06-01T11:00:00Z",
        "likes": 42,
    },
]


def one_line(done) -> str:
    """The command failed with exactly one line on stderr (and no traceback); that line."""
    assert done.returncode != 0, done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    return lines[0]


def dead_port() -> int:
    """A local port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> Path:
    """A data directory that ``sada run`` filled with one event."""
    root = tmp_path_factory.mktemp("reportcli")
    records = root / "records.ndjson"
    records.write_bytes(ndjson(RECORDS))
    done = sada(
        "run", "--input", str(records), "--out", str(root / "out"), "--data", str(root / "data"),
        env={},
        timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return root / "data"


def test_report_alone_names_its_choices():
    done = sada("report", env={})
    assert done.returncode == 2
    assert "summary, series or pdf" in one_line(done)


@pytest.mark.parametrize("kind", ["pdf", "summary", "series"])
def test_no_store_there_is_one_line_and_no_store_is_made(kind, tmp_path):
    data = tmp_path / "nowhere"
    done = sada(
        "report", kind, "--event", EVENT, *(["-o", str(tmp_path / "pdfs")] if kind == "pdf" else []),
        env={"SADA_DATA_DIR": str(data)},
    )  # fmt: skip
    line = one_line(done)
    assert str(data.resolve()) in line and "SADA_DATA_DIR" in line and "--url" in line
    assert not data.exists()
    assert not list(tmp_path.rglob("*.pdf"))


@pytest.mark.parametrize("kind", ["pdf", "summary", "series"])
def test_a_store_without_the_event_names_the_store_and_its_events(kind, filled, tmp_path):
    done = sada(
        "report", kind, "--event", "other-forum", *(["-o", str(tmp_path)] if kind == "pdf" else []),
        env={"SADA_DATA_DIR": str(filled)},
    )  # fmt: skip
    line = one_line(done)
    assert str((filled / "clickhouse").resolve()) in line
    assert "'other-forum'" in line and f"it has {EVENT}" in line and "SADA_DATA_DIR" in line
    assert not list(tmp_path.rglob("*.pdf"))


def test_a_store_with_the_event_still_answers(filled):
    done = sada("report", "summary", "--event", EVENT, env={"SADA_DATA_DIR": str(filled)})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["totals"]["engagements"] == 42


@pytest.mark.parametrize("kind", ["pdf", "summary", "series"])
def test_a_dead_reporter_address_is_one_line(kind, tmp_path):
    url = f"http://127.0.0.1:{dead_port()}"
    done = sada(
        "report", kind, "--event", EVENT, "--url", url, *(["-o", str(tmp_path)] if kind == "pdf" else []),
        env={},
    )  # fmt: skip
    line = one_line(done)
    assert f"cannot reach the reporter at {url}" in line and "--url" in line
    assert not list(tmp_path.rglob("*.pdf"))


def test_a_dead_clickhouse_server_is_one_line():
    done = sada(
        "report", "summary", "--event", EVENT,
        env={"SADA_CLICKHOUSE_URL": f"http://sada:secret@127.0.0.1:{dead_port()}"},
        timeout=120,
    )  # fmt: skip
    line = one_line(done)
    assert "Connection refused" in line and "SADA_CLICKHOUSE_URL" in line
    assert "secret" not in line


@pytest.mark.parametrize("kind", ["summary", "series", "pdf"])
def test_an_address_that_is_not_a_reporter_is_one_line(kind, tmp_path):
    async def page(_: web.Request) -> web.Response:
        return web.Response(text="<html>not sada</html>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/v1/events/{event}/{kind}", page)
    out = ["-o", str(tmp_path)] if kind == "pdf" else []
    with Served(app) as served:
        done = sada("report", kind, "--event", EVENT, "--url", served.url, *out, env={})
    path = "report.pdf" if kind == "pdf" else kind
    assert f"{served.url}/v1/events/{EVENT}/{path} did not answer as a sada reporter" in one_line(done)
    assert done.returncode != 0 and not list(tmp_path.glob("*.pdf"))  # no .pdf holding HTML
