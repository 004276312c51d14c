"""``sada dashboards export|publish``: the sub-command, kept here so ``services/cli.py`` only wires it."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from shared.progress import say
from shared.settings import Settings

LANG_CHOICES = ("ar", "fr", "en")


def add_parser(commands) -> None:
    dashboards = commands.add_parser("dashboards", help="Grafana dashboards as code: export files or publish")
    actions = dashboards.add_subparsers(dest="action", required=True)
    export = actions.add_parser(
        "export", help="dashboards JSON and Grafana provisioning YAML into a directory"
    )
    export.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="DIR",
        help="writes DIR/dashboards/*.json and DIR/provisioning/",
    )
    publish = actions.add_parser(
        "publish",
        help="folder, data sources, dashboards and spike alert rules into "
        "a running Grafana (token: $SADA_GRAFANA_TOKEN)",
    )
    publish.add_argument("--grafana-url", help="Grafana's root URL (default: $SADA_GRAFANA_URL)")
    publish.add_argument(
        "--event",
        action="append",
        default=[],
        metavar="SLUG",
        help="also make a spike alert rule for this event (the registry's events always get one)",
    )
    publish.add_argument(
        "--no-overwrite",
        action="store_true",
        help="fail (412) rather than replace a dashboard changed in Grafana meanwhile",
    )
    export.add_argument(
        "--lang",
        type=languages,
        metavar="ar,fr,en",
        help="language(s) of the dashboards and alert rules, comma-separated; several go to "
        "DIR/<lang>/ (default: $SADA_GRAFANA_LANG or en)",
    )
    publish.add_argument(
        "--lang",
        choices=LANG_CHOICES,
        help="language of the dashboards and alert rules (default: $SADA_GRAFANA_LANG or en)",
    )


def languages(text: str) -> list[str]:
    """``--lang ar,fr,en``: the languages, each one of :data:`LANG_CHOICES`."""
    langs = [part.strip() for part in text.split(",") if part.strip()]
    wrong = [lang for lang in langs if lang not in LANG_CHOICES]
    if not langs or wrong:
        raise argparse.ArgumentTypeError(
            f"{', '.join(wrong) or 'nothing'}: choose among {', '.join(LANG_CHOICES)} (like ar,fr,en)"
        )
    return langs


async def run(settings: Settings, args: argparse.Namespace) -> int:
    from services.reporter.dashboards.build import export_languages, registry_of

    registry = registry_of(settings)
    if args.action == "export":
        langs = args.lang or [settings.grafana_lang]
        for path in await asyncio.to_thread(export_languages, args.out, settings, registry, langs):
            print(path)
        return 0
    lang = args.lang or settings.grafana_lang
    from services.reporter.dashboards.publish import PublishError, publish

    url = args.grafana_url or settings.grafana_url
    try:
        changes = await asyncio.to_thread(
            publish, settings, registry, url, lang, args.event, overwrite=not args.no_overwrite
        )
    except PublishError as exc:
        say(f"sada dashboards publish: {exc}")
        return 1
    for change in changes:
        print(change)
    changed = sum(c.changed for c in changes)
    say(f"sada dashboards publish: {url}: {changed} changed, {len(changes) - changed} unchanged")
    return 0
