"""Sends NDJSON files to a collector in chunks, the way ``sada ingest`` and ``sada run`` do.

Chunks carry ``X-Sada-First-Line`` so rejections name the file's own line
numbers, and a 503 is retried after the collector's ``Retry-After``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import aiohttp


@dataclass
class IngestReport:
    accepted: int = 0
    rejected: list[dict] = field(default_factory=list)


class IngestError(RuntimeError):
    """The collector refused a whole request (auth, size, content type)."""


def chunks(lines: list[bytes], max_lines: int, max_bytes: int) -> Iterable[tuple[int, bytes]]:
    """(first line number, body) pairs of at most ``max_lines`` lines and ``max_bytes`` bytes."""
    start, size, first = 0, 0, 1
    for index, line in enumerate(lines):
        if index > start and (index - start >= max_lines or size + len(line) + 1 > max_bytes):
            yield first, b"\n".join(lines[start:index])
            start, size, first = index, 0, index + 1
        size += len(line) + 1
    if start < len(lines):
        yield first, b"\n".join(lines[start:])


async def post_chunk(session: aiohttp.ClientSession, url: str, token: str, body: bytes, source: str,
                     first_line: int, max_attempts: int = 12) -> dict:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson",
               "X-Sada-Source": source, "X-Sada-First-Line": str(first_line)}
    for attempt in range(1, max_attempts + 1):
        async with session.post(f"{url}/v1/events", data=body, headers=headers) as response:
            answer = await response.json(content_type=None)
            if response.status in (200, 422):
                return answer
            if response.status == 503 and attempt < max_attempts:
                await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
                continue
            raise IngestError(f"{source}:{first_line}: HTTP {response.status}: {answer.get('error')}")
    raise IngestError(f"{source}:{first_line}: the collector kept answering 503")


async def ingest_files(url: str, token: str, files: list[Path], chunk_lines: int = 2_000,
                       max_bytes: int = 8 * 1024 * 1024,
                       progress: Callable[[str], None] = lambda _: None) -> IngestReport:
    report = IngestReport()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        for path in files:
            lines = path.read_bytes().split(b"\n")
            sent = 0
            for first, body in chunks(lines, chunk_lines, max_bytes):
                if not body.strip():
                    continue
                answer = await post_chunk(session, url, token, body, path.name, first)
                report.accepted += answer.get("accepted", 0)
                report.rejected.extend({"file": path.name, **item} for item in answer.get("rejected", []))
                sent = first - 1 + body.count(b"\n") + 1
                progress(f"{path.name}: {sent}/{len(lines)} lines sent, {report.accepted} accepted, "
                         f"{len(report.rejected)} rejected")
    return report
