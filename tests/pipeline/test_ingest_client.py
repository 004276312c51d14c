"""``sada ingest`` handles any answer and ends with an account (issue 13, problem 4, the client).

The stand-in is a failing proxy in front of a collector: a plain-text 500, a 503 with
``Retry-After`` then a 200, and a closed port.
"""

from __future__ import annotations

import json
import socket

from aiohttp import web
from harness import Served, run, sada

from services.collector.client import ingest_files


def stand_in() -> Served:
    """First chunk: a plain-text 500 every time; second: 503 + Retry-After once, then 200."""
    seen: dict[str, int] = {}

    async def events(request: web.Request) -> web.Response:
        first = request.headers["X-Sada-First-Line"]
        seen[first] = seen.get(first, 0) + 1
        if first == "1":
            # Retry-After 0 keeps the test short; without it the client waits 0.5 s, 1 s, 2 s …
            text = "500 Internal Server Error\n\nupstream timed out"
            return web.Response(status=500, text=text, headers={"Retry-After": "0"})
        if seen[first] == 1:
            return web.Response(status=503, text="busy", headers={"Retry-After": "1"})
        return web.json_response({"accepted": 2, "rejected": [{"line": 4, "field": "x", "reason": "bad"}]})

    app = web.Application()
    app.router.add_post("/v1/events", events)
    return Served(app)


def closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def test_any_answer_is_accounted_for(tmp_path):
    records = tmp_path / "records.ndjson"
    records.write_text("\n".join(json.dumps({"n": n}) for n in range(4)))
    served = stand_in()
    try:
        report = run(ingest_files(served.url, "t", [records], chunk_lines=2, max_attempts=3))
        assert report.accepted == 2 and len(report.rejected) == 1
        [lost] = report.not_sent
        assert lost["lines"] == "lines 1-2" and "HTTP 500" in lost["reason"] and "upstream" in lost["reason"]
        assert report.files["records.ndjson"] == {"accepted": 2, "rejected": 1, "not_sent": 2}
        assert len(served.paths("/v1/events")) == 3 + 2  # 500 tried 3 times; 503 then 200
        served.requests.clear()

        done = sada("ingest", "--url", served.url, "--token", "t", str(records), env={})
        assert done.returncode == 1, done.stderr
        assert "NOT SENT" in done.stderr and "Traceback" not in done.stderr
        assert json.loads(done.stdout)["not_sent"][0]["lines"] == "lines 1-4"  # one chunk of 2,000 lines
    finally:
        served.close()

    nowhere = run(ingest_files(closed_port(), "t", [records], max_attempts=2))
    assert nowhere.accepted == 0 and [n["lines"] for n in nowhere.not_sent] == ["lines 1-4"]
    assert "no answer from the collector" in nowhere.not_sent[0]["reason"]


def test_a_refused_token_stops_the_sending(tmp_path):
    async def refuse(_: web.Request) -> web.Response:
        return web.json_response({"error": "this token is not allowed to ingest"}, status=403)

    app = web.Application()
    app.router.add_post("/v1/events", refuse)
    served = Served(app)
    try:
        files = []
        for name in ("a.ndjson", "b.ndjson"):
            (tmp_path / name).write_text('{"n": 1}\n{"n": 2}')
            files.append(tmp_path / name)
        report = run(ingest_files(served.url, "t", files, chunk_lines=1))
        assert len(served.paths("/v1/events")) == 1
        assert [n["lines"] for n in report.not_sent] == ["lines 1-1", "lines 2-2", "lines 1-1", "lines 2-2"]
        assert all("not allowed" in n["reason"] for n in report.not_sent)
    finally:
        served.close()
