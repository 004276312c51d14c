"""``sada``: one program; the sub-command picks which services run (as Loki's ``-target``)."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path

from services.report import cmd_report
from services.reporter.pdf.outputs import parse_langs
from shared.bus import KafkaRefused
from shared.extras import MissingExtra
from shared.kafka_security import KafkaConfigError
from shared.progress import say, throttled
from shared.registry import RegistryError, load_registry
from shared.settings import Settings
from shared.store import SchemaBehind


def _announce_pollers(settings: Settings, collector: str) -> None:
    from services.collector.pollers.service import configured

    names = configured(settings)
    say(
        f"  pollers    {', '.join(names)} (state: {collector}/v1/pollers)"
        if names
        else "  pollers    none configured (set SADA_X_TOKEN, SADA_YOUTUBE_TOKEN, …, SADA_PRESS_OUTLETS)"
    )


async def cmd_up(settings: Settings, _: argparse.Namespace) -> int:
    from services.local import local_mode
    from services.signals import until_interrupted

    async with local_mode(settings, load_registry(settings.events_file), collect=True) as local:
        say(f"sada is up (local mode, data in {settings.data_dir}):")
        local.announce()
        _announce_pollers(settings, local.urls["collector"])
        say("Ctrl-C stops it.")
        await until_interrupted()
    return 0


async def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from services.run import run_once

    if not args.input and not args.collect:
        say("sada run: pass --input FILE… and/or --collect P --once")
        return 2
    inputs = None
    if args.input:
        from services.collector.inputs import InputError, check_inputs

        try:
            inputs = check_inputs(
                args.input, args.event, args.tz, load_registry(settings.events_file), settings.events_file
            )
        except InputError as exc:
            say(f"sada run: {exc}")
            return 2
    connectors: list[str] = []
    if args.collect:
        from services.collector.pollers.service import NothingToCollect, resolve

        try:
            connectors = resolve(settings, args.collect)
        except NothingToCollect as exc:
            say(f"sada run: {exc}")
            return 2
    return await run_once(settings, inputs, connectors, args.event, args.out, args.lang, args.data)


async def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from services.demo.run import run_demo

    return await run_demo(settings, args.seconds, args.out, args.data, args.lang, args.keep_running)


async def cmd_ingest(settings: Settings, args: argparse.Namespace) -> int:
    from services.collector.client import ingest_files
    from services.collector.inputs import InputError, check_inputs
    from services.reporter.auth import client_token

    token = client_token(args.token, settings.ingest_tokens)
    if not token:
        say("sada ingest: no token; pass --token or set SADA_TOKEN")
        return 2
    try:
        inputs = check_inputs(
            args.files,
            [args.event] if args.event else None,
            args.tz,
            load_registry(settings.events_file),
            settings.events_file,
        )
    except InputError as exc:
        say(f"sada ingest: {exc}")
        return 2
    try:
        report = await ingest_files(
            args.url, token, inputs.files, progress=throttled(), event=inputs.event, tz=inputs.tz
        )
    except OSError as exc:  # a file gone or unreadable since it was checked
        say(f"sada ingest: {exc}")
        return 1
    print(
        json.dumps(
            {
                "accepted": report.accepted,
                "rejected": report.rejected,
                "imports": report.imports,
                "not_sent": report.not_sent,
            },
            ensure_ascii=False,
        )
    )
    for line in report.account():
        say(line)
    return 1 if report.not_sent else 0


async def cmd_collect(settings: Settings, args: argparse.Namespace) -> int:
    from services.collector.pollers.cli import cmd_collect as collect

    return await collect(settings, args)


async def cmd_service(settings: Settings, args: argparse.Namespace) -> int:
    from services.distributed import serve

    return await serve(settings, args.command)


async def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    """Apply (or ``--dry-run``: print) the schema for the configured target; in distributed mode
    the only thing that migrates (shared/schema.py; the lock: shared/schema_lock.py)."""
    from clickhouse_connect.driver.exceptions import ClickHouseError

    from shared.cluster import NoClusterForm
    from shared.schema import dry_run
    from shared.store import migrate_target

    cluster = settings.clickhouse_cluster
    try:
        if args.dry_run:
            print(dry_run(cluster), end="")
            return 0
        target = f"cluster {cluster!r}" if cluster else "one server"
        say(f"sada migrate: database {settings.clickhouse_database!r} on {target}")
        applied = await asyncio.to_thread(migrate_target, settings)
    except NoClusterForm as exc:
        say(f"sada migrate: {exc}")
        return 2
    except ClickHouseError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        say(f"sada migrate: ClickHouse failed: {first[:300]}; fix that and run it again (the Job retries)")
        return 1
    say(f"sada migrate: applied {', '.join(applied)}" if applied else "sada migrate: nothing to apply")
    return 0


async def cmd_dashboards(settings: Settings, args: argparse.Namespace) -> int:
    """``dashboards export|publish`` (services/reporter/dashboards/cli.py)."""
    from services.reporter.dashboards.cli import run

    return await run(settings, args)


async def cmd_events(settings: Settings, args: argparse.Namespace) -> int:
    """``list``, ``show SLUG`` or ``check [FILE]`` the event registry."""
    path = args.file or settings.events_file
    registry = load_registry(path)
    if args.action == "check":
        say(
            f"{path}: {len(registry.events)} events, all valid"
            if path
            else "no registry file (SADA_EVENTS_FILE unset): every event works in UTC"
        )
    elif args.action == "list":
        for event in registry.events.values():
            print(f"{event.slug}\t{event.timezone}\t{event.name(args.lang)}")
    else:
        if args.slug not in registry.events:
            say(f"sada events: {args.slug!r} is not in the registry ({path or 'none configured'})")
            return 1
        print(registry.events[args.slug].model_dump_json(indent=2))
    return 0


def _add_lang(
    command: argparse.ArgumentParser,
    explained: str = "languages of the PDF reports, comma-separated: ar, fr, en (default: en)",
) -> None:
    command.add_argument("--lang", type=parse_langs, default=["en"], metavar="LANGS", help=explained)


def _add_data(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--data",
        type=Path,
        metavar="DIR",
        help="keep the ClickHouse data here (default: a temporary directory, removed)",
    )


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="sada", description="Engagement analytics for live events.")
    top.add_argument("-v", "--verbose", action="store_true", help="log what every service does")
    commands = top.add_subparsers(dest="command", required=True)

    commands.add_parser("up", help="local mode: broker, collector, aggregator, reporter in one process")

    run = commands.add_parser("run", help="push files through a fresh local pipeline and write the outputs")
    run.add_argument("--input", nargs="+", type=Path, metavar="FILE")
    from services.collector.pollers.cli import add_arguments as add_collect_arguments

    add_collect_arguments(run, "--collect", required=False)
    run.add_argument(
        "--tz",
        help="IANA time zone of export times written without an offset "
        "(default: the --event's zone in the registry, else UTC)",
    )
    run.add_argument("--out", type=Path, required=True, metavar="DIR")
    _add_lang(run)
    _add_data(run)

    demo = commands.add_parser("demo", help="local mode plus a simulated live event, then the summary")
    demo.add_argument("--seconds", type=float, default=15.0, help="how long the replay lasts")
    demo.add_argument("--out", type=Path, default=Path("sada-demo"), metavar="DIR")
    demo.add_argument("--keep-running", action="store_true", help="stay up after the replay")
    _add_data(demo)
    _add_lang(demo)

    ingest = commands.add_parser("ingest", help="send NDJSON or export files to a running collector")
    ingest.add_argument("files", nargs="+", type=Path, metavar="FILE")
    ingest.add_argument("--url", required=True, help="the collector's base URL (`sada up` prints it)")
    ingest.add_argument("--token", help="ingest token (default: $SADA_TOKEN or the first SADA_INGEST_TOKENS)")
    ingest.add_argument(
        "--event", help="the event slug export files belong to (NDJSON records name their own)"
    )
    ingest.add_argument(
        "--tz",
        help="IANA time zone of export times written without an offset "
        "(default: the --event's zone in the registry, else UTC)",
    )

    for name in ("collector", "aggregator", "reporter"):
        commands.add_parser(name, help=f"run the {name} alone (distributed mode)")

    migrate = commands.add_parser(
        "migrate",
        help="apply the ClickHouse schema (ON CLUSTER, Replicated*, with SADA_CLICKHOUSE_CLUSTER set)",
    )
    migrate.add_argument(
        "--dry-run", action="store_true", help="print the statements a fresh database gets; connect nowhere"
    )

    report = commands.add_parser("report", help="read a report from a running reporter or the store")
    # Not required: `sada report` alone names the choices (services/report.py) instead of argparse's
    # "the following arguments are required: kind".
    kinds = report.add_subparsers(dest="kind", metavar="{summary,series,pdf}")
    summary = kinds.add_parser("summary", help="the event summary as JSON")
    series = kinds.add_parser("series", help="engagement over time as JSON")
    series.add_argument("--bucket", choices=("minute", "hour", "day"), default="hour")
    series.add_argument("--platform", help="one platform (default: all, one row per platform)")
    series.add_argument("--tz", help="IANA time zone of the buckets (default: the event's)")
    series.add_argument("--format", choices=("json",), default="json")
    pdf = kinds.add_parser("pdf", help="the campaign report as PDF, one file per language")
    _add_lang(pdf, "ar, fr, en, comma-separated (default: en)")
    pdf.add_argument(
        "-o",
        "--out",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="where report-<event>-<lang>.pdf go (default: here)",
    )
    pdf.add_argument("--arabic-digits", action="store_true", help="Arabic-Indic digits in the Arabic report")
    for kind in (summary, series, pdf):
        kind.add_argument("--event", required=True)
        kind.add_argument("--url", help="a running reporter's base URL (default: open the store directly)")
        kind.add_argument(
            "--token", help="read token for --url (default: $SADA_TOKEN or the first SADA_REPORTER_TOKENS)"
        )

    from services.reporter.dashboards.cli import add_parser as add_dashboards_parser

    add_dashboards_parser(commands)

    from services.collector.pollers.cli import add_parser as add_collect_parser

    add_collect_parser(commands)

    events = commands.add_parser("events", help="the event registry (SADA_EVENTS_FILE)")
    actions = events.add_subparsers(dest="action", required=True, metavar="{list,show,check}")
    actions.add_parser("list", help="one line per event").add_argument(
        "--lang", default="en", choices=("ar", "fr", "en")
    )
    actions.add_parser("show", help="one event in full").add_argument("slug")
    actions.add_parser("check", help="validate a registry file; errors name the line")
    for action in actions.choices.values():
        action.add_argument("--file", type=Path, help="the registry (default: $SADA_EVENTS_FILE)")
    return top


COMMANDS = {
    "up": cmd_up,
    "run": cmd_run,
    "demo": cmd_demo,
    "ingest": cmd_ingest,
    "collector": cmd_service,
    "aggregator": cmd_service,
    "reporter": cmd_service,
    "migrate": cmd_migrate,
    "report": cmd_report,
    "events": cmd_events,
    "dashboards": cmd_dashboards,
    "collect": cmd_collect,
}


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    if not args.verbose:
        logging.getLogger("kafka").setLevel(logging.ERROR)
    settings = Settings()
    try:
        return asyncio.run(COMMANDS[args.command](settings, args))
    except (RegistryError, MissingExtra, SchemaBehind, KafkaConfigError, KafkaRefused) as exc:
        say(f"sada: {exc}")
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
