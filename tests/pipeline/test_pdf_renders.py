"""A bound on PDF renders at once (issue 13, 8): with ``max_pdf_renders`` = N, N + 2 report
requests at once run N renders and queue the others, and a summary asked meanwhile answers.

The render is replaced by one that counts how many run at once and waits to be let go, so
the test reads the concurrency directly instead of timing anything."""

from __future__ import annotations

import asyncio
import threading

import aiohttp
import pytest
from harness import RunningPipeline, pipeline_settings, wait_for

import services.reporter.pdf as pdf

N = 2


class CountingRender:
    """Stands in for ``render_report``: counts renders running at once, holds each until
    :attr:`go` is set."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = self.most = self.done = 0
        self.go = threading.Event()

    def __call__(self, *args, **kwargs) -> bytes:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            assert self.go.wait(120), "never let go"
        finally:
            with self.lock:
                self.running -= 1
                self.done += 1
        return b"%PDF-1.7 stand-in"


def gauge(metrics: str, state: str) -> float:
    line = next(
        x for x in metrics.splitlines() if x.startswith(f'sada_reporter_pdf_renders{{state="{state}"}}')
    )
    return float(line.split()[-1])


def test_renders_past_the_bound_queue_and_the_json_api_answers(broker, chdb_dir, monkeypatch):
    render = CountingRender()
    monkeypatch.setattr(pdf, "render_report", render)
    pipeline = RunningPipeline(pipeline_settings(broker, chdb_dir, "trenders", max_pdf_renders=N))
    try:
        base = f"{pipeline.reporter}/v1/events/renders"

        async def report(session: aiohttp.ClientSession, lang: str) -> tuple[int, bytes]:
            async with session.get(f"{base}/report.pdf", params={"lang": lang}) as response:
                return response.status, await response.read()

        async def all_reports() -> list[tuple[int, bytes]]:
            async with aiohttp.ClientSession() as session:
                return await asyncio.gather(
                    *(report(session, ("en", "fr", "ar")[n % 3]) for n in range(N + 2))
                )

        reports = asyncio.run_coroutine_threadsafe(all_reports(), pipeline.loop)

        def renders() -> tuple[float, float]:
            metrics = pipeline.call(text(f"{pipeline.reporter}/metrics"))
            return gauge(metrics, "running"), gauge(metrics, "queued")

        wait_for(lambda: renders() == (N, 2) and render.running == N, 60, f"{N} renders running, 2 queued")
        status, summary = pipeline.get(f"{base}/summary")
        assert status == 200 and summary["event"] == "renders"
        assert renders() == (N, 2) and render.running == N and render.done == 0
        render.go.set()
        answers = reports.result(60)
        assert [status for status, _ in answers] == [200] * (N + 2)
        assert render.most == N and render.done == N + 2
        assert renders() == (0, 0)
    finally:
        render.go.set()
        pipeline.close()


async def text(url: str) -> str:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return await response.text()


@pytest.mark.parametrize("value", ["0", "-1"])
def test_the_bound_is_at_least_one(value, monkeypatch):
    from pydantic import ValidationError

    from shared.settings import Settings

    monkeypatch.setenv("SADA_MAX_PDF_RENDERS", value)
    with pytest.raises(ValidationError):
        Settings()
