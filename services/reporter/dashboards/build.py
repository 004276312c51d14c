"""All the dashboards, and their export as files Grafana reads at start.

``export`` writes ``<out>/dashboards/<uid>.json`` and ``<out>/provisioning/``
(data sources, dashboards provider, spike and collection-stalled alert rules) — what ``sada
dashboards export``, ``sada run`` and ``sada demo`` leave behind.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

import yaml
from grafana_foundation_sdk.models import dashboard as dashboard_model

from services.demo import DEMO_REGISTRY
from services.reporter.dashboards import alerts, health, live, platforms, posts, press, provisioning
from services.reporter.dashboards.model import dumps, register
from shared.registry import LANGS, Registry, load_registry
from shared.settings import Settings

log = logging.getLogger("sada.dashboards")


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"dashboard language {lang!r} is not one of {', '.join(LANGS)}")
    return lang


def build_dashboards(
    registry: Registry, lang: str = "en", events: Iterable[str] = (), stalled_after: int = 3
) -> list[dashboard_model.Dashboard]:
    """The five dashboards in ``lang``; ``events`` adds stored events the registry does not name;
    ``stalled_after`` is ``SADA_POLL_STALLED_AFTER`` (the stall alert, named on Pipeline health)."""
    register()
    check_lang(lang)
    known = sorted(set(events) | set(registry.events))
    return [
        live.build(registry, lang, known).build(),
        platforms.build(registry, lang, known).build(),
        posts.build(registry, lang, known).build(),
        press.build(registry, lang, known).build(),
        health.build(lang, stalled_after).build(),
    ]


def export(
    out: Path, settings: Settings, registry: Registry, lang: str = "en", events: Iterable[str] = ()
) -> list[Path]:
    """Write the dashboards' JSON and the provisioning YAML under ``out``; return the files written."""
    events = sorted(set(events))
    boards, provisioned = out / "dashboards", out / "provisioning"
    written = []
    for board in build_dashboards(registry, lang, events, settings.polling.stalled_after):
        path = boards / f"{board.uid}.json"
        written.append(_write(path, dumps(board)))
    files = {
        "datasources/sada.yaml": provisioning.datasources_file(settings),
        "dashboards/sada.yaml": provisioning.dashboards_file(settings),
        "alerting/sada-spikes.yaml": alerts.file_provisioning(
            registry, events, settings.grafana_folder_uid, settings.grafana_folder_title
        ),
        "alerting/sada-collection.yaml": alerts.file_provisioning(
            registry,
            events,
            settings.grafana_folder_uid,
            settings.grafana_folder_title,
            group=alerts.STALL_GROUP,
            stalled_after=settings.polling.stalled_after,
        ),
    }
    for name, document in files.items():
        text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=120)
        written.append(
            _write(provisioned / name, f"# Written by sada (services/reporter/dashboards).\n{text}")
        )
    return written


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def registry_of(settings: Settings) -> Registry:
    """The configured registry; with none, the demo's (as ``sada demo`` does), whose agenda the
    Live dashboard inlines."""
    return load_registry(settings.events_file or DEMO_REGISTRY)


def write_outputs(out: Path, settings: Settings, store=None, registry: Registry | None = None) -> list[Path]:
    """What ``sada run`` and ``sada demo`` add to their outputs (``<out>/dashboards/``,
    ``<out>/provisioning/``): every stored event gets its name and its spike alert rule."""
    events: list[str] = []
    if store is not None:
        from services.reporter.summary import list_events

        events = list_events(store)
    registry = registry if registry is not None and registry.events else registry_of(settings)
    return export(out, settings, registry, check_lang(settings.grafana_lang), events)
