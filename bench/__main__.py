"""``python -m bench [--scale X] [--only pipeline|reporter|pdf]``: raw bounds, pipeline rate,
freshness, memory, then the reporter's latency on a large store, then the PDF report's render
time per language; one table each.

Order: the raw Kafka figures (own broker), the raw ClickHouse insert, then the
pipeline twice in LocalMode (end-to-end rate, then freshness under a steady
stream), then the reporter's endpoints over a store filled server-side
(bench/reporter.py), then the PDF render (bench/pdf.py, in a child process).
chDB allows one data path per process, so the rest of the run shares one
temporary data directory and isolates each step by database name.
``--only`` runs one part alone.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import resource
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import inputs
from bench.cpu import speed_probe
from bench.pdf import measure_pdf
from bench.pipeline import end_to_end, freshness, warm_local_mode
from bench.raw import Rate, raw_consume, raw_insert, raw_produce
from bench.report import Figure, latency_table, percentile, table, write_json
from bench.reporter import ReporterResult, measure_reporter, requests_for
from bench.viral import LIKES, ROUNDS, SIZES, Viral, viral
from shared import bus
from shared.progress import say, throttled
from shared.settings import Settings

BASE_RECORDS = 100_000
FRESH_RATE = 2_000  # records/s
FRESH_INTERVAL_S = 0.1
FRESH_SECONDS = 15.0
CHUNK_LINES = 2_000
CONCURRENCY = 4
RESULTS = Path(__file__).resolve().parent.parent / "bench-results"
PARTS = ("pipeline", "reporter", "pdf")
PIPELINE_STEPS = 6


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--scale",
        type=float,
        default=float(os.environ.get("SADA_BENCH_SCALE", "1")),
        help="multiplier for record counts and the freshness duration "
        "(default: $SADA_BENCH_SCALE or 1; 0.1 for a quick run)",
    )
    parser.add_argument("--keep-data", action="store_true", help="keep the temporary chDB data directory")
    parser.add_argument(
        "--only",
        choices=PARTS,
        help="run one part alone: 'pipeline' (raw bounds, "
        "end-to-end rate, freshness), 'reporter' (endpoint latency on a large store) "
        "or 'pdf' (report render time per language)",
    )
    parser.add_argument(
        "--reporter-requests",
        type=_positive,
        default=None,
        metavar="N",
        help="timed requests per reporter endpoint (default: 20 x scale, at least 5)",
    )
    return parser.parse_args(argv)


def bench_settings(data_dir: Path) -> Settings:
    """The pipeline's settings (SADA_* still apply), forced local, with test-speed group joins."""
    return Settings().model_copy(
        update={
            "data_dir": data_dir,
            "kafka_bootstrap": "",
            "clickhouse_url": "",
            "ingest_tokens": [],
            "consumer_session_timeout_ms": 2_000,
            "consumer_heartbeat_interval_ms": 500,
        }
    )


def measure_kafka(base: Settings, count: int, steps: int) -> dict[str, Any]:
    """Raw produce then consume of the same messages, on a broker of their own."""
    say(f"building {count} messages (validated and serialised as the collector does)")
    messages = inputs.kafka_messages(count)
    broker = bus.LocalBroker().start()
    try:
        settings = base.model_copy(
            update={"kafka_bootstrap": broker.bootstrap, "kafka_topic_prefix": "bench-raw."}
        )
        bus.ensure_topics(settings)
        topic = settings.topic("posts")
        say(
            f"[1/{steps}] raw kafka-python produce: {count} messages to {topic} "
            f"({settings.kafka_partitions} partitions)"
        )
        produce = raw_produce(settings, topic, messages, throttled())
        say(f"      {produce.per_s:,.0f} records/s")
        say(f"[2/{steps}] raw kafka-python consume in a consumer group")
        consume = raw_consume(settings, topic, count, throttled())
        say(f"      {consume.rate.per_s:,.0f} records/s (group join {consume.join_s:.1f} s, excluded)")
    finally:
        broker.stop()
    return {
        "produce": produce,
        "consume": consume,
        "message_bytes_avg": sum(len(v) for _, v in messages) / len(messages),
    }


async def measure_pipeline(
    base: Settings, records: int, fresh_seconds: float, steps: int, scale: float
) -> dict[str, Any]:
    """LocalMode three times, each on its own database: the bulk rate, freshness, the viral post."""
    rss_before = peak_rss_mib()
    bodies = inputs.bodies(inputs.groups(records // inputs.GROUP), CHUNK_LINES // inputs.GROUP)
    say(
        f"[4/{steps}] pipeline end-to-end: {sum(b.records for b in bodies)} records in {len(bodies)} "
        f"POSTs of {CHUNK_LINES} lines, {CONCURRENCY} in flight, until drain()"
    )
    async with warm_local_mode(base, "bench_e2e") as local:
        e2e = await end_to_end(local, bodies, CONCURRENCY, throttled())
    say(f"      {e2e.rate.per_s:,.0f} records/s")

    per_body = int(FRESH_RATE * FRESH_INTERVAL_S)
    count = max(1, round(fresh_seconds / FRESH_INTERVAL_S))
    stream = inputs.bodies(inputs.groups(count * per_body // inputs.GROUP), per_body // inputs.GROUP)
    say(
        f"[5/{steps}] freshness: {per_body} records every {FRESH_INTERVAL_S * 1000:.0f} ms for "
        f"{fresh_seconds:.0f} s while polling the summary"
    )
    async with warm_local_mode(base, "bench_fresh") as local:
        fresh = await freshness(local, stream, FRESH_INTERVAL_S, throttled())

    sizes = (SIZES[0], max(100_000, round(SIZES[1] * scale)))
    say(
        f"[6/{steps}] viral post: {ROUNDS} bodies of {LIKES} likes, one after the other, on one post "
        f"with {sizes[0]:,} then {sizes[1]:,} interactions"
    )
    async with warm_local_mode(base, "bench_viral") as local:
        viral_ = await viral(local, sizes, ROUNDS, throttled())
    return {"e2e": e2e, "fresh": fresh, "viral": viral_, "rss_before_mib": rss_before}


def peak_rss_mib(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # KiB on Linux


def figures(kafka: dict[str, Any], insert: Rate, pipe: dict[str, Any]) -> list[Figure]:
    """The table. The pipeline does all three raw steps itself, in one process, so besides the
    target's bound (the slowest of consume and insert) it is shown against the slowest of all three
    and against doing the three one after the other (1 / Σ 1/rate: one core, one GIL)."""
    produce, consume, insert_rate = kafka["produce"].per_s, kafka["consume"].rate.per_s, insert.per_s
    e2e, fresh = pipe["e2e"].rate.per_s, pipe["fresh"]
    delays = fresh.delays
    p95 = percentile(delays, 95)
    strict = min(consume, insert_rate)
    honest = min(produce, consume, insert_rate)
    serial = 1 / (1 / produce + 1 / consume + 1 / insert_rate)
    return [
        Figure("raw produce (kafka-python, acks=all)", produce, "records/s"),
        Figure("raw consume (group, 1st->last msg)", consume, "records/s"),
        Figure("raw insert (chDB, Store.insert)", insert_rate, "records/s"),
        Figure(
            "pipeline end-to-end",
            e2e,
            "records/s",
            "min(produce, consume, insert)",
            honest,
            ">= 0.80",
            e2e >= 0.8 * honest,
        ),
        Figure(
            "pipeline end-to-end (consumer side)",
            e2e,
            "records/s",
            "min(consume, insert)",
            strict,
            "(info)",
        ),
        Figure(
            "pipeline end-to-end (serial bound)",
            e2e,
            "records/s",
            "1/(1/produce+1/consume+1/insert)",
            serial,
            "(info)",
        ),
        *cpu_figures(kafka, insert, pipe["e2e"].rate, honest),
        Figure("freshness p50", percentile(delays, 50), "s"),
        Figure("freshness p95", p95, "s", target="<= 1 s", passed=bool(p95 <= 1.0)),
        Figure(
            "freshness send rate achieved",
            fresh.achieved_rate,
            "records/s",
            "scheduled rate",
            fresh.scheduled_rate,
        ),
        *viral_figures(pipe["viral"]),
        Figure("peak RSS, bench process", peak_rss_mib(), "MiB"),
        Figure(
            "peak RSS, largest child (broker or collector)", peak_rss_mib(resource.RUSAGE_CHILDREN), "MiB"
        ),
    ]


def cpu_figures(kafka: dict[str, Any], insert: Rate, e2e: Rate, bound: float) -> list[Figure]:
    """Processor time per record: the pipeline's, against what the machine's cores allow at the
    end-to-end target (0.8 of the slowest raw bound, every core busy), and the raw clients' own."""
    raw = {"produce": kafka["produce"], "consume": kafka["consume"].rate, "insert": insert}
    budget = (os.cpu_count() or 1) * 1e6 / (0.8 * bound)
    return [
        Figure(
            "processor time per record, end-to-end",
            e2e.cpu.total * 1e6 / e2e.count if e2e.cpu else float("nan"),
            "µs",
            f"{os.cpu_count()} cores at 0.80 x min(raw)",
            budget,
            "(info)",
        ),
        Figure(
            "processor time per record, raw produce + consume + insert",
            sum(rate.cpu.total * 1e6 / rate.count for rate in raw.values() if rate.cpu),
            "µs",
        ),
    ]


def cpu_notes(kafka: dict[str, Any], insert: Rate, e2e: Rate) -> list[str]:
    steps = {
        "raw produce": kafka["produce"],
        "raw consume": kafka["consume"].rate,
        "raw insert": insert,
        "end-to-end": e2e,
    }
    return [
        f"processor time, {name}: {rate.cpu.line(rate.count)}."
        for name, rate in steps.items()
        if rate.cpu is not None
    ]


def viral_figures(result: Viral) -> list[Figure]:
    """Freshness of new likes on the viral post, at each history size: the larger against the
    smaller (issue 12: ≤ 1.3)."""
    small, large = sorted(result.delays)
    p50 = {size: percentile(result.delays[size], 50) for size in (small, large)}
    return [
        Figure(f"viral post freshness p50, {small:,} interactions", p50[small], "s"),
        Figure(
            f"viral post freshness p50, {large:,} interactions",
            p50[large],
            "s",
            f"the same at {small:,}",
            p50[small],
            "<= 1.30",
            bool(p50[large] <= 1.3 * p50[small]),
        ),
        Figure(
            f"viral post freshness p95, {large:,} interactions",
            percentile(result.delays[large], 95),
            "s",
            f"p95 at {small:,}",
            percentile(result.delays[small], 95),
            "(info)",
        ),
    ]


def machine_note(load: tuple[float, ...], probes: dict[str, float]) -> str:
    speeds = ", ".join(f"{seconds:.3f} s {when}" for when, seconds in probes.items())
    return (
        f"{os.cpu_count()} CPUs; 1-min load average {load[0]:.2f} at the start, {os.getloadavg()[0]:.2f} "
        f"at the end (anything else running skews every figure); a fixed pure-Python loop took {speeds} "
        "(the machine's speed: compare runs whose loops took about the same)."
    )


def notes(kafka: dict[str, Any], pipe: dict[str, Any], base: Settings) -> list[str]:
    fresh = pipe["fresh"]
    return [
        (
            f"messages average {kafka['message_bytes_avg']:.0f} B (the collector's canonical JSON: posts, "
            f"metrics snapshots, comments); {base.kafka_partitions} partitions per topic."
        ),
        (
            f"raw consume excludes the consumer-group join ({kafka['consume'].join_s:.1f} s here); the "
            "pipeline steps join (and connect the producer) on a warm-up record before their clock starts."
        ),
        f"raw insert: batches of {base.batch_max_records} rows (batch_max_records) into metrics.",
        (
            f"peak RSS was {pipe['rss_before_mib']:.0f} MiB before the pipeline steps (chDB, raw steps and "
            "their inputs); the process includes the bench's pre-built inputs and embedded ClickHouse."
        ),
        (
            f"end-to-end: every POST acknowledged after {pipe['e2e'].acked_s:.1f} s of "
            f"{pipe['e2e'].rate.seconds:.1f} s; stored (FINAL, event 'bench'): {pipe['e2e'].stored}; "
            f"aggregator stored {pipe['e2e'].aggregator_batches} batches; one summary() over them took "
            f"{pipe['e2e'].summary_s * 1000:.0f} ms."
        ),
        (
            "freshness: from the start of a body's POST (local mode answers 2xx once stored) until "
            "it counts as visible: at the end of the first summary poll whose totals reach "
            "the cumulative posts, views and comments sent through it (one figure per raw table; an "
            "approximation: a later body's records could make up for a missing earlier one)."
        ),
        (
            f"freshness: {sum(v is not None for v in fresh.visible)}/{len(fresh.visible)} bodies seen, "
            f"{fresh.polls} polls, mean poll {fresh.poll_seconds / max(1, fresh.polls) * 1000:.0f} ms "
            f"(the resolution of the figure), {fresh.late_sends} sends more than one interval late."
        ),
    ]


def machine(load: tuple[float, ...], probes: dict[str, float]) -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_1m_start_end": [load[0], os.getloadavg()[0]],
        "speed_probe_s": probes,
    }


def details(base: Settings, kafka: dict[str, Any], insert: Rate, pipe: dict[str, Any]) -> dict[str, Any]:
    """The pipeline part's figures in full."""
    fresh = pipe["fresh"]
    return {
        "settings": base.model_dump(
            include={
                "kafka_partitions",
                "kafka_linger_ms",
                "batch_max_records",
                "batch_max_age_ms",
                "consumer_max_poll_records",
                "consumer_session_timeout_ms",
                "consumer_heartbeat_interval_ms",
            }
        ),
        "raw": {
            "produce": _rate(kafka["produce"]),
            "consume": _rate(kafka["consume"].rate),
            "consume_join_s": kafka["consume"].join_s,
            "insert": _rate(insert),
            "message_bytes_avg": kafka["message_bytes_avg"],
        },
        "rss_before_pipeline_mib": pipe["rss_before_mib"],
        "end_to_end": {
            **_rate(pipe["e2e"].rate),
            "acked_s": pipe["e2e"].acked_s,
            "stored": pipe["e2e"].stored,
            "aggregator_batches": pipe["e2e"].aggregator_batches,
            "summary_s": pipe["e2e"].summary_s,
        },
        "viral": {"delays_s": pipe["viral"].delays, "fill_s": pipe["viral"].fill_s},
        "freshness": {
            "delays_s": fresh.delays,
            "bodies": len(fresh.visible),
            "visible": sum(v is not None for v in fresh.visible),
            "polls": fresh.polls,
            "poll_seconds_total": fresh.poll_seconds,
            "late_sends": fresh.late_sends,
            "records_acked": fresh.records_acked,
            "send_seconds": fresh.send_seconds,
        },
    }


def _rate(rate: Rate) -> dict[str, Any]:
    return {"count": rate.count, "seconds": rate.seconds, "cpu_s": rate.cpu.parts if rate.cpu else None}


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # A CI timeout sends SIGTERM: unwind as Ctrl-C does, so the finally blocks stop the brokers.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    parts = [args.only] if args.only else list(PARTS)
    steps = PIPELINE_STEPS * ("pipeline" in parts) + ("reporter" in parts) + ("pdf" in parts)
    records = max(1_000, round(BASE_RECORDS * args.scale))
    fresh_seconds = max(3.0, FRESH_SECONDS * args.scale)
    requests = args.reporter_requests or requests_for(args.scale)
    load = os.getloadavg()
    probes = {"at the start": speed_probe()}
    data_dir = Path(tempfile.mkdtemp(prefix="sada-bench-"))
    base = bench_settings(data_dir)
    say(
        f"sada bench: scale {args.scale}, parts {', '.join(parts)} ({records} records per rate figure), "
        f"data in {data_dir}"
    )
    rows: list[Figure] = []
    notes_: list[str] = []
    extra: dict[str, Any] = {}
    reporter: ReporterResult | None = None
    try:
        if "pipeline" in parts:
            kafka = measure_kafka(base, records, steps)
            say(
                f"[3/{steps}] raw ClickHouse insert: {records} metrics rows in batches of "
                f"{base.batch_max_records}"
            )
            insert = raw_insert(
                base, "bench_raw", inputs.metrics_rows(records), base.batch_max_records, throttled()
            )
            say(f"      {insert.per_s:,.0f} rows/s")
            pipe = asyncio.run(measure_pipeline(base, records, fresh_seconds, steps, args.scale))
            rows = figures(kafka, insert, pipe)  # before the reporter step: its peak RSS is its own
            notes_ += notes(kafka, pipe, base) + cpu_notes(kafka, insert, pipe["e2e"].rate)
            extra.update(details(base, kafka, insert, pipe))
        if "reporter" in parts:
            probes["before the reporter part"] = speed_probe()
            say(
                f"[{steps - ('pdf' in parts)}/{steps}] reporter latency: "
                "each endpoint over HTTP on a large store"
            )
            reporter = asyncio.run(measure_reporter(base, args.scale, requests, throttled(), say))
            notes_ += reporter.notes()
            extra["reporter"] = reporter.details()
        if "pdf" in parts:
            say(f"[{steps}/{steps}] PDF report: seed-sized event rendered in ar, fr, en (median of 3)")
            pdf_rows, extra["pdf"] = measure_pdf(repeat=3)
            rows += pdf_rows
    finally:
        if args.keep_data:
            say(f"data kept in {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    probes["at the end"] = speed_probe()
    notes_.insert(0, machine_note(load, probes))
    if rows:
        print(table(rows))
        print()
    if reporter:
        print(latency_table(reporter.latencies))
        print()
    for note in notes_:
        print(f"- {note}")
    path = write_json(
        RESULTS,
        rows,
        {"scale": args.scale, "parts": parts, "machine": machine(load, probes), **extra, "notes": notes_},
    )
    print(f"\nwritten: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
