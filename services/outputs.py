"""The files a one-shot run leaves behind (``sada run``, ``sada demo``): per event its summary and
PDF reports, ``rejected.ndjson``, and the Grafana dashboards with their provisioning."""

from __future__ import annotations

import json
from pathlib import Path

from shared.registry import Registry, load_registry
from shared.settings import Settings
from shared.store import Store


def write_outputs(
    store: Store,
    settings: Settings,
    out: Path,
    events: list[str] | None = None,
    langs: list[str] | None = None,
    registry: Registry | None = None,
) -> list[Path]:
    """``summary-<event>.json`` and ``report-<event>-<lang>.pdf`` per event (every stored one when
    ``events`` is None), ``rejected.ndjson`` and ``dashboards/``, ``provisioning/`` in ``out``,
    as ``sada run`` promises. Returns the paths written."""
    from services.reporter.dashboards.build import write_outputs as write_dashboards
    from services.reporter.summary import list_events, rejected_records, summary

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    events = events or list_events(store)
    if langs:
        from services.reporter.pdf.outputs import write_reports

        written += write_reports(
            store,
            settings,
            out,
            events,
            langs,
            registry if registry is not None else load_registry(settings.events_file),
        )
    for event in events:
        path = out / f"summary-{event}.json"
        path.write_text(
            json.dumps(summary(store, event, settings.top_posts), ensure_ascii=False, indent=2) + "\n",
            "utf-8",
        )
        written.append(path)
    path = out / "rejected.ndjson"
    with path.open("w", encoding="utf-8") as sink:
        for record in rejected_records(store):
            sink.write(json.dumps(record, ensure_ascii=False) + "\n")
    written.append(path)
    written += write_dashboards(out, settings, store, registry)
    return written
