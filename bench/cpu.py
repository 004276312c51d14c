"""Where a step's processor time goes: per process of the run, and per thread of this one.

The pipeline's rate is bounded by the cores it has as much as by its clients: the collector's
process, the broker, this process's aggregator thread, and ClickHouse's own threads (its query
pool, its background merges) all take their share. A :class:`Meter` reads the user and system
time of this process's threads and of its descendant processes from ``/proc`` before and after
a step (Linux), so the report can say how many microseconds of processor time a record costs,
and where.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")
# Names of this process's descendants, by a piece of their command line.
KNOWN_PROCESSES = {"tansu": "broker process", "multiprocessing.spawn": "collector process"}
PROBE_LOOPS = 4_000_000  # ~0.1-0.2 s of one core here


def speed_probe(repeat: int = 3) -> float:
    """Seconds a fixed pure-Python loop takes, the best of ``repeat``: how fast the machine is at
    that moment. A shared machine's speed drifts through a day (the same loop took 1.8x longer at
    some hours here), so two runs' figures compare only when their probes do."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        total = 0
        for n in range(PROBE_LOOPS):
            total += n
        best = min(best, time.perf_counter() - started)
    return best


def _stat(path: Path) -> tuple[str, int, float] | None:
    """(name, parent pid, processor seconds) of a process or thread; None once it is gone."""
    try:
        text = path.joinpath("stat").read_text()
    except OSError:
        return None
    name, rest = text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :].split()
    return name, int(rest[1]), (int(rest[11]) + int(rest[12])) / TICKS


def _process_name(pid: int) -> str:
    try:
        command = (
            PROC.joinpath(str(pid), "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except OSError:
        return f"process {pid}"
    return next((name for piece, name in KNOWN_PROCESSES.items() if piece in command), f"process {pid}")


def _descendants(root: int) -> dict[int, float]:
    """Processor seconds of each process below ``root``."""
    parents: dict[int, int] = {}
    seconds: dict[int, float] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (found := _stat(entry)) is not None:
            parents[int(entry.name)], seconds[int(entry.name)] = found[1], found[2]
    below: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - below
        below |= frontier
    return {pid: seconds[pid] for pid in below}


def _threads() -> dict[int, tuple[str, float]]:
    """This process's threads: (name, processor seconds) by thread id. A Python thread goes by
    its name, a pool's ``_<n>`` dropped (``sada-read_0``… count as ``sada-read``); ClickHouse's by theirs."""
    python = {t.native_id: re.sub(r"_\d+$", "", t.name) for t in threading.enumerate()}
    out = {}
    for entry in PROC.joinpath("self", "task").iterdir():
        if (found := _stat(entry)) is not None:
            tid = int(entry.name)
            out[tid] = (python.get(tid) or f"ClickHouse {found[0]}", found[2])
    return out


@dataclass(frozen=True)
class CpuTimes:
    """Processor seconds a step took, by part (a process, or a thread of this one), over ``wall``."""

    parts: dict[str, float]
    wall: float

    @property
    def total(self) -> float:
        return sum(self.parts.values())

    def line(self, records: int, least_share: float = 0.02) -> str:
        """One line: µs per record of each part with at least ``least_share`` of the total."""
        shown = {p: s for p, s in self.parts.items() if s >= least_share * self.total}
        rest = self.total - sum(shown.values())
        pieces = [f"{part} {_us(s, records)}" for part, s in sorted(shown.items(), key=lambda i: -i[1])]
        if rest > 0:
            pieces.append(f"other {_us(rest, records)}")
        return (
            f"{_us(self.total, records)} µs of processor time per record "
            f"({'; '.join(pieces)}), {self.total / self.wall:.2f} cores busy on average"
        )


def _us(seconds: float, records: int) -> str:
    micros = seconds * 1e6 / records
    return f"{micros:,.0f}" if micros >= 10 else f"{micros:.1f}"


class Meter:
    """Processor time from :meth:`start` to :meth:`stop`, by part. A thread that ended in
    between counts as "ended threads" (this process's time less its live threads'), a child
    process that ended and was waited for as "ended processes"."""

    def __init__(self) -> None:
        self._threads: dict[int, tuple[str, float]] = {}
        self._processes: dict[int, float] = {}
        self._times = os.times()

    def start(self) -> Meter:
        # The process's clock before its threads' at the start and after them at the stop: a live
        # thread that runs while /proc is read then counts less, never more, so the ended threads'
        # share (the process's time less the live threads') is never short of what they used.
        self._times = os.times()
        self._threads, self._processes = _threads(), _descendants(os.getpid())
        return self

    def stop(self) -> CpuTimes:
        threads, processes = _threads(), _descendants(os.getpid())
        times = os.times()
        parts: defaultdict[str, float] = defaultdict(float)
        for tid, (name, seconds) in threads.items():
            parts[name] += seconds - self._threads.get(tid, (name, 0.0))[1]
        own = times.user + times.system - self._times.user - self._times.system
        parts["ended threads"] += own - sum(parts.values())
        for pid, seconds in processes.items():
            parts[_process_name(pid)] += seconds - self._processes.get(pid, 0.0)
        parts["ended processes"] += (
            times.children_user
            + times.children_system
            - self._times.children_user
            - self._times.children_system
        )
        # Clock ticks round each thread's time: a part below one tick is noise.
        return CpuTimes(
            {part: s for part, s in parts.items() if s >= 1 / TICKS}, times.elapsed - self._times.elapsed
        )
