"""What ``sada run --input`` and ``sada ingest`` check before sending anything.

A mistake in the command line (a missing file, a file that is no export sada
reads, an event the registry does not declare, a time zone that does not
exist) is answered by one line that says what to do, before a broker is
started or a byte is sent: otherwise a ``sada run`` would start local mode,
send nothing and write an empty report, and ``sada ingest`` would leave half
the files sent. Files are read here exactly as the import endpoint reads them
(:mod:`.exports.readers`, :mod:`.exports.detect`), so a file accepted here is
not refused there for its header.

Export rows name no event, so export files need exactly one ``--event``;
NDJSON records name their own. Times an export writes without an offset are
read in ``--tz``, else in the registered event's zone (DESIGN §4: day
boundaries use the event's time zone), else in UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.collector.client import is_export_file
from services.collector.exports import detect, readers
from shared.events import EVENT_SLUG
from shared.registry import Registry


class InputError(ValueError):
    """A command line that cannot be carried out; the message is the one line to print."""


@dataclass(frozen=True)
class Inputs:
    """What to send: the files, and the event and zone export files are imported with."""

    files: list[Path]
    exports: list[str]
    event: str | None
    tz: str | None


def check_inputs(
    files: list[Path],
    events: list[str] | None,
    tz: str | None,
    registry: Registry,
    registry_path: Path | None,
) -> Inputs:
    """The checked inputs, or :class:`InputError` naming the first thing to fix."""
    missing = [str(path) for path in files if not path.is_file()]
    if missing:
        raise InputError(f"no such file: {', '.join(missing)}; check the path")
    if tz is not None:
        _zone(tz)
    for slug in events or []:
        _known(slug, registry, registry_path)
    titles = {path: title for path in files if (title := _export_title(path))}
    if not titles:
        return Inputs(files, [], events[0] if events else None, tz)
    if not events:
        path, title = next(iter(titles.items()))
        raise InputError(f"{path} ({title}): export rows name no event; pass --event SLUG")
    if len(events) > 1:
        raise InputError(
            f"export files belong to one event, not {len(events)} ({', '.join(events)}); "
            "pass one --event and run once per event"
        )
    event = events[0]
    if tz is None and event in registry.events:
        tz = registry.events[event].timezone
    return Inputs(files, [path.name for path in titles], event, tz)


def _zone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"unknown time zone {name!r}: pass an IANA zone name with --tz (like Africa/Casablanca)"
        ) from None


def _known(slug: str, registry: Registry, registry_path: Path | None) -> None:
    if not re.fullmatch(EVENT_SLUG, slug):
        raise InputError(
            f"event {slug!r} is not a slug: use lower-case letters, digits and '-' (like ausim-2024)"
        )
    if registry_path is not None and slug not in registry.events:
        declared = ", ".join(registry.events) or "none"
        raise InputError(
            f"event {slug!r} is not in the registry {registry_path} (it declares: {declared}); "
            "add it there or pass a declared slug"
        )


def _export_title(path: Path) -> str | None:
    """The export format's title when ``path`` goes to the import endpoint, else ``None``;
    :class:`InputError` when it would go there but could not be imported."""
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror}); check its permissions") from None
    if not is_export_file(path, body):
        return None
    try:
        return detect.find(readers.sheets(body)).layout.title
    except readers.UnreadableFile as exc:
        raise InputError(f"{path}: {exc}") from None
    except detect.NotDetected:
        known = ", ".join(layout.title for layout in detect.LAYOUTS)
        raise InputError(
            f"{path}: not an export sada reads (no known header in its first "
            f"{detect.HEADER_SEARCH_ROWS} rows); send a {known}, or NDJSON records"
        ) from None
