"""Sends files to a collector, the way ``sada ingest`` and ``sada run`` do.

Each file goes one of two ways:

- **NDJSON** (format v1) goes to ``POST /v1/events`` in chunks. Chunks carry
  ``X-Sada-First-Line`` so rejections name the file's own line numbers.
- **Platform exports** (X, LinkedIn, Meta, YouTube) go whole to
  ``POST /v1/imports``, which reads the header and answers for every row.

The name decides (``.csv``, ``.xlsx``, ``.xls`` are exports; ``.ndjson``,
``.jsonl``, ``.json`` are NDJSON); any other name is an export only when it
is a workbook or its header is a known export's, so every file that was sent
as NDJSON before still is.

Any answer is handled: 408, 429 and 5xx (a proxy's plain-text page included) and a
connection that fails are retried after ``Retry-After`` (or a doubling wait), a bounded
number of times; a request the collector never answered for is *not sent*, and the
:class:`IngestReport` ends with the account of every file (accepted, rejected, not sent).
A refused token (401/403) stops the sending: the rest is not sent.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Mapping
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
    # What the collector never answered for: file, lines ("first-last", "" for a whole export)
    # and why. Not stored as far as anyone knows: send it again.
    not_sent: list[dict] = field(default_factory=list)
    # Per file: records accepted, records rejected, lines not sent.
    files: dict[str, dict[str, int]] = field(default_factory=dict)
    # Set once the collector refused the token: nothing more is sent.
    refused: str = ""

    def file(self, name: str) -> dict[str, int]:
        return self.files.setdefault(name, {"accepted": 0, "rejected": 0, "not_sent": 0})

    def answered(self, name: str, accepted: int, rejected: list[dict]) -> None:
        """The collector's answer for part of file ``name``: counted in the totals and the file's."""
        self.accepted += accepted
        self.rejected.extend(rejected)
        self.file(name)["accepted"] += accepted
        self.file(name)["rejected"] += len(rejected)

    def account(self) -> list[str]:
        """The closing account a person reads: one line a file, then the columns each export
        file had that no record uses (one line a file, so a renamed metric is seen) and the
        collector's notes on them, then the totals."""
        lines = [
            f"  {name}: {n['accepted']} accepted, {n['rejected']} rejected"
            + (f", {n['not_sent']} lines NOT SENT" if n["not_sent"] else "")
            for name, n in self.files.items()
        ]
        for answer in self.imports:
            if answer.get("unused_columns"):
                lines.append(f"  {answer['file']}: columns not used: {', '.join(answer['unused_columns'])}")
            lines += [f"  {answer['file']}: {note}" for note in answer.get("notes", [])]
        lines += [f"  not sent: {item['file']} {item['lines']}: {item['reason']}" for item in self.not_sent]
        verdict = "some records were NOT SENT: send those again" if self.not_sent else "everything was sent"
        lines.append(f"{self.accepted} accepted, {len(self.rejected)} rejected; {verdict}")
        return lines


class IngestError(RuntimeError):
    """The collector did not answer for the records of one request; the message says why."""

    def __init__(self, message: str, fatal: bool = False):
        super().__init__(message)
        self.fatal = fatal  # the token was refused: no other request would fare better


# Answers worth waiting out and sending again; any other status is the collector's word.
RETRYABLE = (408, 429, 500, 502, 503, 504)
MAX_WAIT_S = 60.0


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


def retry_after(headers: Mapping[str, str], attempt: int) -> float:
    """The collector's (or a proxy's) ``Retry-After`` in seconds, else a doubling wait."""
    value = headers.get("Retry-After", "")
    try:
        wait = float(value)
    except ValueError:
        wait = 0.5 * 2 ** min(attempt - 1, 6)
    return min(max(wait, 0.0), MAX_WAIT_S)


def _answer(text: str) -> dict | None:
    """A JSON object answer, or None (a proxy's plain text page, an empty body)."""
    try:
        answer = json.loads(text)
    except ValueError:
        return None
    return answer if isinstance(answer, dict) else None


async def _post(
    session: aiohttp.ClientSession,
    url: str,
    body: bytes,
    headers: dict[str, str],
    max_attempts: int,
) -> dict:
    """POST until the collector answers for the records (200 or 422). 408, 429 and 5xx, and a
    connection that fails, are retried after ``Retry-After`` (or a doubling wait), at most
    ``max_attempts`` times; raises :class:`IngestError` with the last reason otherwise."""
    reason = "no attempt"
    for attempt in range(1, max_attempts + 1):
        try:
            async with session.post(url, data=body, headers=headers) as response:
                status, text = response.status, await response.text(errors="replace")
                wait = retry_after(response.headers, attempt)
        except (aiohttp.ClientError, TimeoutError) as exc:
            status, text, wait = 0, "", retry_after({}, attempt)
            reason = f"no answer from the collector ({type(exc).__name__}: {exc})"
        answer = _answer(text)
        if status in (200, 422) and answer is not None:
            return answer
        if status:
            said = answer.get("error") if answer else " ".join(text.split())[:200]
            reason = f"HTTP {status}: {said or 'no reason given'}"
        if status and status not in RETRYABLE:
            raise IngestError(reason, fatal=status in (401, 403))
        if attempt < max_attempts:
            await asyncio.sleep(wait)
    raise IngestError(f"{reason} (after {max_attempts} attempts)")


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
    return await _post(session, f"{url}/v1/events", body, headers, max_attempts)


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
    return await _post(session, target, body, headers, max_attempts)


async def ingest_files(
    url: str,
    token: str,
    files: list[Path],
    chunk_lines: int = 2_000,
    max_bytes: int = 8 * 1024 * 1024,
    progress: Progress = lambda _: None,
    event: str | None = None,
    tz: str | None = None,
    max_attempts: int = 12,
) -> IngestReport:
    """Send every file; ``event`` and ``tz`` apply to export files (NDJSON names its own event)."""
    report = IngestReport()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        for path in files:
            content = path.read_bytes()
            report.file(path.name)
            if is_export_file(path, content):
                await _ingest_export(
                    session, url, token, path.name, content, event, tz, report, progress, max_attempts
                )
            else:
                await _ingest_ndjson(
                    session,
                    url,
                    token,
                    path.name,
                    content,
                    (chunk_lines, max_bytes),
                    report,
                    progress,
                    max_attempts,
                )
    return report


def _not_sent(report: IngestReport, name: str, lines: str, count: int, error: IngestError | str) -> None:
    """Records the collector never answered for; after a refused token, nothing more is sent."""
    reason = str(error)
    if isinstance(error, IngestError) and error.fatal:
        report.refused = reason
    report.not_sent.append({"file": name, "lines": lines, "reason": reason})
    report.file(name)["not_sent"] += count


async def _ingest_ndjson(
    session: aiohttp.ClientSession,
    url: str,
    token: str,
    name: str,
    content: bytes,
    limits: tuple[int, int],
    report: IngestReport,
    progress: Progress,
    max_attempts: int,
) -> None:
    """``limits``: at most so many lines and bytes a request."""
    lines = content.split(b"\n")
    for first, body in chunks(lines, *limits):
        if not body.strip():
            continue
        last = first + body.count(b"\n")
        span = f"lines {first}-{last}"
        if report.refused:
            _not_sent(report, name, span, last - first + 1, report.refused)
            continue
        try:
            answer = await post_chunk(session, url, token, body, name, first, max_attempts)
        except IngestError as exc:
            _not_sent(report, name, span, last - first + 1, exc)
            continue
        report.answered(
            name, answer.get("accepted", 0), [{"file": name, **item} for item in answer.get("rejected", [])]
        )
        progress(
            f"{name}: {last}/{len(lines)} lines sent, {report.accepted} accepted, "
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
    max_attempts: int,
) -> None:
    """Dead-lettered rows join ``rejected`` with their row number as the line; summary rows
    ("Total", "Lifetime") are only in the file's entry of ``imports``."""
    if report.refused:
        _not_sent(report, name, "(the whole file)", len(content.splitlines()), report.refused)
        return
    try:
        answer = await post_import(session, url, token, content, name, event, tz, max_attempts)
    except IngestError as exc:
        _not_sent(report, name, "(the whole file)", len(content.splitlines()), exc)
        return
    rejected = [
        {"file": name, "line": item["row"], "field": item["field"], "reason": item["reason"]}
        for item in answer.get("skipped", [])
        if item.get("dead_letter")
    ]
    report.answered(name, answer.get("accepted", 0), rejected)
    report.imports.append({"file": name, **answer})
    records = ", ".join(f"{count} {kind}" for kind, count in answer.get("records", {}).items())
    progress(
        f"{name}: {answer.get('format')} export, {answer.get('rows')} rows → {records or 'no records'}; "
        f"{len(answer.get('skipped', []))} rows skipped"
    )
