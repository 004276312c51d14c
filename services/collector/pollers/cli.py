"""``sada collect`` (pollers straight to Kafka) and the ``--collect`` part of ``sada run``."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
from typing import Any

from services.collector.pollers import CONNECTOR_NAMES
from services.collector.pollers.service import Collection, NothingToCollect, resolve
from services.collector.pollers.sink import PublisherSink
from services.collector.publisher import Publisher
from shared.bus import ensure_topics
from shared.progress import say
from shared.registry import Registry, load_registry
from shared.settings import Settings


def add_arguments(parser: argparse.ArgumentParser, option: str, required: bool) -> None:
    parser.add_argument(
        option,
        dest="collect",
        action="append",
        required=required,
        metavar="P",
        choices=[*CONNECTOR_NAMES, "all"],
        help=f"a connector: {', '.join(CONNECTOR_NAMES)}, or all (the configured ones); repeatable",
    )
    parser.add_argument("--once", action="store_true", help="one pass (find, then refresh what is due)")
    parser.add_argument(
        "--event",
        action="append",
        metavar="SLUG",
        help="collect for this registry event (repeatable; default: SADA_POLL_EVENTS, "
        "else every registry event not over for more than 30 days)",
    )


def add_parser(commands: Any) -> None:
    collect = commands.add_parser(
        "collect", help="run platform pollers and publish to Kafka (SADA_KAFKA_BOOTSTRAP)"
    )
    add_arguments(collect, "--platform", required=True)


async def collect_once(
    settings: Settings, registry: Registry, names: list[str], publisher: Publisher, events: list[str] | None
) -> list[dict[str, Any]]:
    """One pass of ``names`` through ``publisher``; returns every poller's state."""
    async with Collection(settings, registry, names, PublisherSink(publisher), events) as collection:
        if not collection.pollers:
            raise NothingToCollect(
                "no event to collect for: pass --event, set SADA_POLL_EVENTS or put the "
                "event in SADA_EVENTS_FILE"
            )
        return await collection.run_once()


def summarise(statuses: list[dict[str, Any]]) -> None:
    for status in statuses:
        published = (
            ", ".join(f"{n} {kind}" for kind, n in sorted(status["published"].items())) or "nothing new"
        )
        line = f"  {status['connector']:<9} {status['event']}: {published}; "
        line += f"{status['dead_letters']} dead letters"
        if status["errors"]:
            line += f"; {status['errors']} errors (last: {status['last_error']})"
        if status["state"] == "rate-limited":
            line += f"; rate-limited until {status.get('until')}"
        elif status["state"] == "blocked":
            line += f"; blocked: {status.get('why')}; {status.get('remedy')}"
        for paused in status.get("paused", []):
            line += f"; {paused['scope']} paused until {paused['until']}: {paused['why']}"
        say(line)


async def cmd_collect(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.kafka_bootstrap:
        say(
            "sada collect: set SADA_KAFKA_BOOTSTRAP (host:port,…); `sada run --collect P --once --out DIR` "
            "runs a connector through local mode instead"
        )
        return 2
    registry = load_registry(settings.events_file)
    try:
        names = resolve(settings, args.collect)
    except NothingToCollect as exc:
        say(f"sada collect: {exc}")
        return 2
    await asyncio.to_thread(ensure_topics, settings)
    publisher = Publisher(settings)
    try:
        if args.once:
            try:
                statuses = await collect_once(settings, registry, names, publisher, args.event)
            except NothingToCollect as exc:
                say(f"sada collect: {exc}")
                return 2
            summarise(statuses)
            print(json.dumps(statuses, ensure_ascii=False, indent=2))
            return 0 if all(s["state"] == "idle" for s in statuses) else 1
        async with Collection(settings, registry, names, PublisherSink(publisher), args.event) as collection:
            if not collection.pollers:
                say("sada collect: no event to collect for (pass --event or set SADA_EVENTS_FILE)")
                return 2
            say(
                f"sada collect: {', '.join(names)} for {', '.join(collection.status()['events'])}; "
                "Ctrl-C stops it."
            )
            collection.start()
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            await stop.wait()
        return 0
    finally:
        publisher.close()
