"""All the dashboards, and their export as files Grafana reads at start.

``export`` writes ``<out>/dashboards/<uid>.json`` and ``<out>/provisioning/``
(data sources, dashboards provider, spike and collection-stalled alert rules) — what ``sada
dashboards export``, ``sada run`` and ``sada demo`` leave behind.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import yaml
from grafana_foundation_sdk.models import dashboard as dashboard_model

from services.demo import DEMO_REGISTRY
from services.reporter.dashboards import alerts, health, live, platforms, posts, press, provisioning
from services.reporter.dashboards.board import opening_event, zone_of
from services.reporter.dashboards.model import dumps, register
from shared.registry import LANGS, Registry, load_registry
from shared.settings import Settings

log = logging.getLogger("sada.dashboards")


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"dashboard language {lang!r} is not one of {', '.join(LANGS)}")
    return lang


def build_dashboards(
    registry: Registry,
    lang: str = "en",
    events: Iterable[str] = (),
    stalled_after: int = 3,
    now: datetime | None = None,
) -> list[dashboard_model.Dashboard]:
    """The five dashboards in ``lang``; ``events`` adds stored events the registry does not name;
    ``stalled_after`` is ``SADA_POLL_STALLED_AFTER`` (the stall alert, named on Pipeline health);
    ``now`` picks the event they open on (the one running, else the latest)."""
    register()
    check_lang(lang)
    now = now or datetime.now(UTC)
    known = sorted(set(events) | set(registry.events))
    return [
        live.build(registry, lang, known, now).build(),
        platforms.build(registry, lang, known, now).build(),
        posts.build(registry, lang, known, now).build(),
        press.build(registry, lang, known, now).build(),
        health.build(lang, stalled_after, zone_of(registry, opening_event(registry, known, now))).build(),
    ]


def export(
    out: Path,
    settings: Settings,
    registry: Registry,
    lang: str = "en",
    events: Iterable[str] = (),
    now: datetime | None = None,
) -> list[Path]:
    """Write the dashboards' JSON and the provisioning YAML under ``out``; return the files
    written. ``now`` (default: the current time) picks the event the dashboards open on and
    the events that get alert rules."""
    events = sorted(set(events))
    now = now or datetime.now(UTC)
    boards, provisioned = out / "dashboards", out / "provisioning"
    written = []
    for board in build_dashboards(registry, lang, events, settings.polling.stalled_after, now):
        path = boards / f"{board.uid}.json"
        written.append(_write(path, dumps(board)))
    folder = (settings.grafana_folder_uid, settings.grafana_folder_title)
    stalled_after = settings.polling.stalled_after
    files = {
        "datasources/sada.yaml": provisioning.datasources_file(settings),
        "dashboards/sada.yaml": provisioning.dashboards_file(settings),
        "alerting/sada-contact-points.yaml": alerts.contact_points(),
        **{
            f"alerting/{group}.yaml": alerts.file_provisioning(
                registry, events, *folder, group=group, stalled_after=stalled_after, lang=lang
            )
            for group in (alerts.RULE_GROUP, alerts.STALL_GROUP)
        },
    }
    for name, document in files.items():
        text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=120)
        written.append(
            _write(provisioned / name, f"# Written by sada (services/reporter/dashboards).\n{text}")
        )
    return written


def export_languages(
    out: Path,
    settings: Settings,
    registry: Registry,
    langs: Iterable[str],
    events: Iterable[str] = (),
    now: datetime | None = None,
) -> list[Path]:
    """``export`` in each of ``langs``: into ``out`` for one language, into ``out/<lang>/`` for
    several (each set shares the dashboards' and rules' uids, so each goes to its own Grafana
    organisation or instance)."""
    langs = [check_lang(lang) for lang in dict.fromkeys(langs)]
    if len(langs) == 1:
        return export(out, settings, registry, langs[0], events, now)
    return [path for lang in langs for path in export(out / lang, settings, registry, lang, events, now)]


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
