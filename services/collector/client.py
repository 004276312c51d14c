"""Sends files to a collector, the way ``sada ingest`` and ``sada run`` do.

Each file goes one of two ways:

- **NDJSON** (format v1) goes to ``POST /v1/events`` in chunks. Chunks carry
  ``X-Sada-First-Line`` so rejections name the file's own line numbers.
- **Platform exports** (X, LinkedIn, Meta, YouTube) go whole to
  ``POST /v1/imports``, which reads the header and answers for every row.

The name decides (``.csv``, ``.xlsx``, ``.xls`` are exports; ``.ndjson``,
``.jsonl``, ``.json`` are NDJSON); any other name is an export only when it
is a workbook or its header is a known export's, so every file that was sent
as NDJSON before still is. A 503 is retried after the collector's
``Retry-After`` either way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from yarl import URL

from services.collector.exports.detect import is_export
from shared.progress import Progress

EXPORT_SUFFIXES = (".csv", ".xlsx", ".xls")
NDJSON_SUFFIXES = (".ndjson", ".jsonl", ".json")


@dataclass
class IngestReport:
    accepted: int = 0
    rejected: list[dict] = field(default_factory=list)
    # One answer of POST /v1/imports per export file: rows, records by type, skipped rows.
    imports: list[dict] = field(default_factory=list)


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


def is_export_file(path: Path, body: bytes) -> bool:
    """Whether ``path`` goes to the import endpoint rather than ``/v1/events``."""
    suffix = path.suffix.lower()
    if suffix in EXPORT_SUFFIXES:
        return True
    if suffix in NDJSON_SUFFIXES:
        return False
    return is_export(body)


async def _post(
    session: aiohttp.ClientSession,
    url: str,
    body: bytes,
    headers: dict[str, str],
    where: str,
    max_attempts: int,
) -> dict:
    """POST until the collector answers for the records (200 or 422), waiting out 503s."""
    for attempt in range(1, max_attempts + 1):
        async with session.post(url, data=body, headers=headers) as response:
            answer = await response.json(content_type=None)
            if response.status in (200, 422):
                return answer
            if response.status == 503 and attempt < max_attempts:
                await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
                continue
            raise IngestError(f"{where}: HTTP {response.status}: {answer.get('error')}")
    raise IngestError(f"{where}: the collector kept answering 503")


async def post_chunk(
    session: aiohttp.ClientSession,
    url: str,
    token: str,
    body: bytes,
    source: str,
    first_line: int,
    max_attempts: int = 12,
) -> dict:
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/x-ndjson",
        "X-Sada-Source": source,
        "X-Sada-First-Line": str(first_line),
    }
    return await _post(session, f"{url}/v1/events", body, headers, f"{source}:{first_line}", max_attempts)


async def post_import(
    session: aiohttp.ClientSession,
    url: str,
    token: str,
    body: bytes,
    source: str,
    event: str | None,
    tz: str | None,
    max_attempts: int = 12,
) -> dict:
    """One export file to ``POST /v1/imports``; the collector detects its format."""
    params = {name: value for name, value in (("event", event), ("tz", tz)) if value}
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/octet-stream",
        "X-Sada-Source": source,
    }
    target = str(URL(f"{url}/v1/imports").with_query(params))
    return await _post(session, target, body, headers, source, max_attempts)


async def ingest_files(
    url: str,
    token: str,
    files: list[Path],
    chunk_lines: int = 2_000,
    max_bytes: int = 8 * 1024 * 1024,
    progress: Progress = lambda _: None,
    event: str | None = None,
    tz: str | None = None,
) -> IngestReport:
    """Send every file; ``event`` and ``tz`` apply to export files (NDJSON names its own event)."""
    report = IngestReport()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        for path in files:
            content = path.read_bytes()
            if is_export_file(path, content):
                await _ingest_export(session, url, token, path.name, content, event, tz, report, progress)
            else:
                await _ingest_ndjson(
                    session, url, token, path.name, content, chunk_lines, max_bytes, report, progress
                )
    return report


async def _ingest_ndjson(
    session: aiohttp.ClientSession,
    url: str,
    token: str,
    name: str,
    content: bytes,
    chunk_lines: int,
    max_bytes: int,
    report: IngestReport,
    progress: Progress,
) -> None:
    lines = content.split(b"\n")
    for first, body in chunks(lines, chunk_lines, max_bytes):
        if not body.strip():
            continue
        answer = await post_chunk(session, url, token, body, name, first)
        report.accepted += answer.get("accepted", 0)
        report.rejected.extend({"file": name, **item} for item in answer.get("rejected", []))
        sent = first - 1 + body.count(b"\n") + 1
        progress(
            f"{name}: {sent}/{len(lines)} lines sent, {report.accepted} accepted, "
            f"{len(report.rejected)} rejected"
        )


async def _ingest_export(
    session: aiohttp.ClientSession,
    url: str,
    token: str,
    name: str,
    content: bytes,
    event: str | None,
    tz: str | None,
    report: IngestReport,
    progress: Progress,
) -> None:
    """Dead-lettered rows join ``rejected`` with their row number as the line; summary rows
    ("Total", "Lifetime") are only in the file's entry of ``imports``."""
    answer = await post_import(session, url, token, content, name, event, tz)
    report.accepted += answer.get("accepted", 0)
    report.rejected.extend(
        {"file": name, "line": item["row"], "field": item["field"], "reason": item["reason"]}
        for item in answer.get("skipped", [])
        if item["dead_letter"]
    )
    report.imports.append({"file": name, **answer})
    records = ", ".join(f"{count} {kind}" for kind, count in answer.get("records", {}).items())
    progress(
        f"{name}: {answer.get('format')} export, {answer.get('rows')} rows → {records or 'no records'}; "
        f"{len(answer.get('skipped', []))} rows skipped"
    )
