"""``sada run``: files and/or one collection pass through a fresh local pipeline, then the outputs."""

from __future__ import annotations

import asyncio
from pathlib import Path

from services.collector.client import ingest_files
from services.collector.inputs import Inputs
from services.local import local_mode
from services.outputs import write_outputs
from shared.progress import say, throttled
from shared.registry import load_registry
from shared.settings import Settings


async def run_once(
    settings: Settings,
    inputs: Inputs | None,
    connectors: list[str],
    events: list[str] | None,
    out: Path,
    langs: list[str],
    data: Path | None,
) -> int:
    """Ingest ``inputs`` (NDJSON or platform exports, checked by
    :func:`~services.collector.inputs.check_inputs`: export files go with its event and zone),
    run one pass of the pollers ``connectors`` over ``events`` (None: as ``sada collect``
    chooses), wait until every record is stored and write the outputs of every stored event
    to ``out``. 1 when the collector did not take some file (the account says which), else 0."""
    status = 0
    async with local_mode(settings, load_registry(settings.events_file), one_shot="run", data=data) as local:
        if inputs:
            report = await ingest_files(
                local.urls["collector"],
                local.token,
                inputs.files,
                progress=throttled(),
                event=inputs.event,
                tz=inputs.tz,
            )
            for line in report.account():
                say(f"sada run: {line.strip()}")
            if report.not_sent:
                status = 1
            say("sada run: waiting until every record is stored")
        if connectors:
            from services.collector.pollers.cli import collect_once, summarise

            say(f"sada run: one pass of {', '.join(connectors)}")
            summarise(await collect_once(local.settings, local.registry, connectors, local.publisher, events))
        await local.drain(progress=throttled())
        written = await asyncio.to_thread(
            write_outputs, local.reporter_store, local.settings, out, None, langs, local.registry
        )
        for path in written:
            say(f"  wrote {path}")
    return status
