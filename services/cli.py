"""``sada``: one program; the sub-command picks which services run (as Loki's ``-target``)."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

import aiohttp

from services.collector.simulator import DEMO_REGISTRY
from services.reporter.pdf.outputs import parse_langs
from shared.progress import say, throttled
from shared.registry import RegistryError, load_registry
from shared.settings import Settings

log = logging.getLogger("sada")


async def _until_interrupted() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


def _announce(urls: dict[str, str], settings: Settings, token: str) -> None:
    for name, url in urls.items():
        say(f"  {name:<10} {url}")
    if settings.ingest_tokens:
        say("  ingest token: the one in SADA_INGEST_TOKENS")
    else:
        say(f"  ingest token (generated for this run; set SADA_INGEST_TOKENS to choose one): {token}")


def _announce_pollers(settings: Settings, collector: str) -> None:
    from services.collector.pollers.service import configured

    names = configured(settings)
    say(
        f"  pollers    {', '.join(names)} (state: {collector}/v1/pollers)"
        if names
        else "  pollers    none configured (set SADA_X_TOKEN, SADA_YOUTUBE_TOKEN, …, SADA_PRESS_OUTLETS)"
    )


async def cmd_up(settings: Settings, _: argparse.Namespace) -> int:
    from services.local import LocalMode

    local = await LocalMode(settings, load_registry(settings.events_file), collect=True).start()
    say(f"sada is up (local mode, data in {settings.data_dir}):")
    _announce(local.urls, settings, local.token)
    _announce_pollers(settings, local.urls["collector"])
    say("Ctrl-C stops it.")
    try:
        await _until_interrupted()
    finally:
        await local.stop()
    return 0


def write_outputs(
    store,
    settings: Settings,
    out: Path,
    events: list[str] | None = None,
    langs: list[str] | None = None,
    registry=None,
) -> list[Path]:
    """``summary-<event>.json`` and ``report-<event>-<lang>.pdf`` per event and ``rejected.ndjson``,
    as ``sada run`` promises."""
    from services.reporter.summary import list_events, rejected_records, summary

    out.mkdir(parents=True, exist_ok=True)
    written = []
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
    from services.reporter.dashboards.build import write_outputs as write_dashboards

    written += write_dashboards(out, settings, store, registry)  # dashboards/*.json, provisioning/
    return written


async def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from services.collector.client import ingest_files
    from services.local import LocalMode

    if not args.input and not args.collect:
        say("sada run: pass --input FILE… and/or --collect P --once")
        return 2
    missing = [f for f in args.input or [] if not f.is_file()]
    if missing:
        say(f"sada run: no such file: {', '.join(map(str, missing))}")
        return 2
    if args.collect:
        from services.collector.pollers.service import NothingToCollect, resolve

        try:
            connectors = resolve(settings, args.collect)
        except NothingToCollect as exc:
            say(f"sada run: {exc}")
            return 2
    settings, scratch = _one_shot_data(settings, args.data, "run")
    local = await LocalMode(settings, load_registry(settings.events_file)).start()
    try:
        if args.input:
            report = await ingest_files(
                local.urls["collector"], local.token, args.input, progress=throttled()
            )
            say(
                f"sada run: {report.accepted} records accepted, {len(report.rejected)} rejected; "
                "waiting until every record is stored"
            )
        if args.collect:
            from services.collector.pollers.cli import collect_once, summarise

            say(f"sada run: one pass of {', '.join(connectors)}")
            summarise(
                await collect_once(local.settings, local.registry, connectors, local.publisher, args.event)
            )
        await local.drain(progress=throttled())
        written = await asyncio.to_thread(
            write_outputs, local.reporter_store, local.settings, args.out, None, args.lang, local.registry
        )
        for path in written:
            say(f"  wrote {path}")
    finally:
        await local.stop()
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


def _one_shot_data(settings: Settings, data: Path | None, command: str) -> tuple[Settings, Path | None]:
    """The data directory of ``sada run``/``sada demo``: ``--data`` when given, else a fresh
    temporary one (returned as the scratch to remove), so an earlier run's records never mix in."""
    scratch = None if data else Path(tempfile.mkdtemp(prefix=f"sada-{command}-"))
    data_dir = data or scratch
    say(
        f"sada {command}: starting local mode (data in {data_dir}{', removed afterwards' if scratch else ''})"
    )
    return settings.model_copy(update={"data_dir": data_dir}), scratch


async def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from services.collector.client import post_chunk
    from services.collector.simulator import EVENT, seed_event
    from services.local import LocalMode
    from services.reporter.summary import summary

    records = seed_event()
    say(f"sada demo: replaying {EVENT} (3 days, {len(records)} records) in about {args.seconds:.0f} s")
    registry = load_registry(settings.events_file or DEMO_REGISTRY)
    settings, scratch = _one_shot_data(settings, args.data, "demo")
    local = await LocalMode(settings, registry).start()
    _announce(local.urls, settings, local.token)
    try:
        steps = max(1, int(args.seconds * 4))
        per_step = -(-len(records) // steps)
        progress = throttled(2.0)
        async with aiohttp.ClientSession() as session:
            for first in range(0, len(records), per_step):
                chunk = records[first : first + per_step]
                body = "\n".join(json.dumps(r, ensure_ascii=False) for r in chunk).encode()
                await post_chunk(session, local.urls["collector"], local.token, body, "demo", first + 1)
                progress(
                    f"  {first + len(chunk)}/{len(records)} records sent; live summary: "
                    f"{local.urls['reporter']}/v1/events/{EVENT}/summary"
                )
                await asyncio.sleep(args.seconds / steps)
        await local.drain(progress=throttled())
        written = await asyncio.to_thread(
            write_outputs, local.reporter_store, local.settings, args.out, [EVENT], args.lang, registry
        )
        for path in written:
            say(f"  wrote {path}")
        print(
            json.dumps(
                await asyncio.to_thread(summary, local.reporter_store, EVENT, settings.top_posts),
                ensure_ascii=False,
                indent=2,
            )
        )
        if args.keep_running:
            say("sada demo: still up, Ctrl-C stops it.")
            await _until_interrupted()
    finally:
        await local.stop()
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


async def cmd_ingest(settings: Settings, args: argparse.Namespace) -> int:
    from services.collector.client import IngestError, ingest_files

    token = (
        args.token
        or os.environ.get("SADA_TOKEN")
        or (settings.ingest_tokens[0].get_secret_value() if settings.ingest_tokens else "")
    )
    if not token:
        say("sada ingest: no token; pass --token or set SADA_TOKEN")
        return 2
    try:
        report = await ingest_files(
            args.url, token, args.files, progress=throttled(), event=args.event, tz=args.tz
        )
    except (IngestError, aiohttp.ClientError) as exc:
        say(f"sada ingest: {exc}")
        return 1
    print(
        json.dumps(
            {"accepted": report.accepted, "rejected": report.rejected, "imports": report.imports},
            ensure_ascii=False,
        )
    )
    return 0


async def _serve(settings: Settings, name: str) -> int:
    from shared.http import start_site
    from shared.store import open_store

    if name == "collector":
        if not settings.ingest_tokens:
            say("sada collector: set SADA_INGEST_TOKENS (comma-separated); without one nobody could ingest")
            return 2
        from services.collector.app import create_app
        from services.collector.pollers.service import attach_pollers
        from services.collector.publisher import Publisher

        publisher = Publisher(settings)
        app, host, port = create_app(settings, publisher), settings.collector_host, settings.collector_port
        attach_pollers(app, settings, load_registry(settings.events_file), publisher)
    elif name == "aggregator":
        from services.aggregator.service import Aggregator, create_app

        aggregator = Aggregator(settings, open_store(settings)).start()
        app, host, port = create_app(aggregator), settings.aggregator_host, settings.aggregator_port
        app.on_cleanup.append(lambda _: asyncio.to_thread(aggregator.close))
    else:
        from services.reporter.app import create_app

        app = create_app(settings, open_store(settings), load_registry(settings.events_file))
        host, port = settings.reporter_host, settings.reporter_port
    runner, url = await start_site(app, host, port)
    say(f"sada {name}: serving on {url}")
    try:
        await _until_interrupted()
    finally:
        await runner.cleanup()
    return 0


async def cmd_collect(settings: Settings, args: argparse.Namespace) -> int:
    from services.collector.pollers.cli import cmd_collect as collect

    return await collect(settings, args)


async def cmd_service(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.kafka_bootstrap and args.command != "reporter":
        say(f"sada {args.command}: set SADA_KAFKA_BOOTSTRAP (host:port,…); `sada up` runs local mode")
        return 2
    if args.command != "reporter":
        from shared.bus import ensure_topics

        await asyncio.to_thread(ensure_topics, settings)
    return await _serve(settings, args.command)


async def cmd_report(settings: Settings, args: argparse.Namespace) -> int:
    """Ask a running reporter (``--url``) or open the store directly; same JSON either way."""
    if args.kind == "pdf":
        from services.reporter.pdf.outputs import report_pdf_command

        return await report_pdf_command(settings, args)
    if args.url:
        query = (
            {"bucket": args.bucket, "platform": args.platform, "tz": args.tz} if args.kind == "series" else {}
        )
        async with (
            aiohttp.ClientSession() as session,
            session.get(
                f"{args.url}/v1/events/{args.event}/{args.kind}", params={k: v for k, v in query.items() if v}
            ) as response,
        ):
            body = await response.json(content_type=None)
        if response.status != 200:
            say(f"sada report: HTTP {response.status}: {body.get('error')}")
            return 1
        if args.kind == "series":
            body = body["series"]
    else:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        from services.reporter.series import series
        from services.reporter.summary import summary
        from shared.store import open_store

        store = open_store(settings)
        if args.kind == "summary":
            body = summary(store, args.event, settings.top_posts)
        else:
            event = load_registry(settings.events_file).get(args.event)
            try:
                zone = ZoneInfo(args.tz or event.timezone)
            except (ZoneInfoNotFoundError, ValueError):
                say(f"sada report series: unknown IANA time zone {args.tz!r} (like Africa/Casablanca)")
                return 2
            body = series(store, args.event, args.bucket, zone, args.platform)
    print(json.dumps(body, ensure_ascii=False, indent=2))
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


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="sada", description="Engagement analytics for live events.")
    top.add_argument("-v", "--verbose", action="store_true", help="log what every service does")
    commands = top.add_subparsers(dest="command", required=True)

    commands.add_parser("up", help="local mode: broker, collector, aggregator, reporter in one process")

    run = commands.add_parser("run", help="push files through a fresh local pipeline and write the outputs")
    run.add_argument("--input", nargs="+", type=Path, metavar="FILE")
    from services.collector.pollers.cli import add_arguments as add_collect_arguments

    add_collect_arguments(run, "--collect", required=False)
    run.add_argument("--out", type=Path, required=True, metavar="DIR")
    run.add_argument(
        "--lang",
        type=parse_langs,
        default=["en"],
        metavar="LANGS",
        help="languages of the PDF reports, comma-separated: ar, fr, en (default: en)",
    )
    run.add_argument(
        "--data",
        type=Path,
        metavar="DIR",
        help="keep the ClickHouse data here (default: a temporary directory, removed)",
    )

    demo = commands.add_parser("demo", help="local mode plus a simulated live event, then the summary")
    demo.add_argument("--seconds", type=float, default=15.0, help="how long the replay lasts")
    demo.add_argument("--out", type=Path, default=Path("sada-demo"), metavar="DIR")
    demo.add_argument("--keep-running", action="store_true", help="stay up after the replay")
    demo.add_argument(
        "--data",
        type=Path,
        metavar="DIR",
        help="keep the ClickHouse data here (default: a temporary directory, removed)",
    )
    demo.add_argument(
        "--lang",
        type=parse_langs,
        default=["en"],
        metavar="LANGS",
        help="languages of the PDF reports, comma-separated: ar, fr, en (default: en)",
    )

    ingest = commands.add_parser("ingest", help="send NDJSON files to a running collector")
    ingest.add_argument("files", nargs="+", type=Path, metavar="FILE")
    ingest.add_argument("--url", required=True, help="the collector's base URL (`sada up` prints it)")
    ingest.add_argument("--token", help="ingest token (default: $SADA_TOKEN or the first SADA_INGEST_TOKENS)")
    ingest.add_argument(
        "--event", help="the event slug export files belong to (NDJSON records name their own)"
    )
    ingest.add_argument("--tz", help="IANA time zone of export times written without an offset (default UTC)")

    for name in ("collector", "aggregator", "reporter"):
        commands.add_parser(name, help=f"run the {name} alone (distributed mode)")

    report = commands.add_parser("report", help="read a report from a running reporter or the store")
    kinds = report.add_subparsers(dest="kind", required=True)
    summary = kinds.add_parser("summary", help="the event summary as JSON")
    series = kinds.add_parser("series", help="engagement over time as JSON")
    series.add_argument("--bucket", choices=("minute", "hour", "day"), default="hour")
    series.add_argument("--platform", help="one platform (default: all, one row per platform)")
    series.add_argument("--tz", help="IANA time zone of the buckets (default: the event's)")
    series.add_argument("--format", choices=("json",), default="json")
    pdf = kinds.add_parser("pdf", help="the campaign report as PDF, one file per language")
    pdf.add_argument(
        "--lang",
        type=parse_langs,
        default=["en"],
        metavar="LANGS",
        help="ar, fr, en, comma-separated (default: en)",
    )
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

    from services.reporter.dashboards.cli import add_parser as add_dashboards_parser

    add_dashboards_parser(commands)

    from services.collector.pollers.cli import add_parser as add_collect_parser

    add_collect_parser(commands)

    events = commands.add_parser("events", help="the event registry (SADA_EVENTS_FILE)")
    actions = events.add_subparsers(dest="action", required=True)
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
    except RegistryError as exc:
        say(f"sada: {exc}")
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
