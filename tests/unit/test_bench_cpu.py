"""The bench's processor-time meter (bench/cpu.py) puts each thread's and child's time where it was spent."""

import subprocess
import sys
import threading
import time

import pytest

from bench.__main__ import machine, machine_note
from bench.cpu import TICKS, CpuTimes, Meter, speed_probe

BURN_S = 0.2
TOLERANCE_S = 3 / TICKS  # /proc counts whole clock ticks, per thread


def burn(seconds: float) -> float:
    """Spin until this thread has used ``seconds`` of processor time; returns what it used."""
    while time.thread_time() < seconds:
        pass
    return time.thread_time()


BURN_CHILD = (
    f"import time\nwhile time.process_time() < {BURN_S}: pass\nprint(time.process_time(), flush=True)\n"
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_live_thread_and_a_live_child_are_each_counted_under_their_names() -> None:
    meter = Meter().start()
    used: list[float] = []
    finish = threading.Event()

    def spin() -> None:
        used.append(burn(BURN_S))
        finish.wait()

    burner = threading.Thread(target=spin, name="bench-burner_7")
    sleeper = threading.Thread(target=finish.wait, name="bench-sleeper")
    burner.start()
    sleeper.start()
    child = subprocess.Popen(
        [sys.executable, "-c", BURN_CHILD + "input()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    child_used = float(child.stdout.readline())
    while not used:
        time.sleep(0.01)
    try:
        times = meter.stop()  # both still alive
    finally:
        finish.set()
        burner.join()
        sleeper.join()
        child.communicate("\n")
    assert times.parts["bench-burner"] == pytest.approx(used[0], abs=TOLERANCE_S)  # the pool number dropped
    assert times.parts.get("bench-sleeper", 0.0) < TOLERANCE_S
    # the child's start-up (the interpreter loading) is counted too, before its own clock's first read
    assert child_used - TOLERANCE_S <= times.parts[f"process {child.pid}"] <= child_used + 0.5


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_threads_and_children_that_ended_are_still_counted() -> None:
    meter = Meter().start()
    used: list[float] = []
    burner = threading.Thread(target=lambda: used.append(burn(BURN_S)))
    burner.start()
    burner.join()
    child = subprocess.run([sys.executable, "-c", BURN_CHILD], capture_output=True, text=True, check=True)
    times = meter.stop()
    assert times.parts["ended threads"] >= used[0] - TOLERANCE_S
    assert times.parts["ended processes"] >= float(child.stdout) - TOLERANCE_S


def test_the_line_names_the_larger_parts_and_sums_the_rest() -> None:
    times = CpuTimes({"sada-aggregator": 0.2, "collector process": 0.1, "broker process": 0.001}, wall=0.602)
    assert times.line(1_000) == (
        "301 µs of processor time per record (sada-aggregator 200; collector process 100; other 1.0), "
        "0.50 cores busy on average"
    )


def test_the_machine_note_and_record_give_the_speed_probe_at_each_point(monkeypatch) -> None:
    """Two runs' figures compare only when the machine was as fast: each run says how fast it was
    at its start, before its reporter part and at its end, in the notes and in the JSON."""
    monkeypatch.setattr("bench.cpu.PROBE_LOOPS", 1_000)
    probe = speed_probe(repeat=2)
    assert 0 < probe < 60
    probes = {"at the start": 0.5, "before the reporter part": 0.75, "at the end": 0.875}
    note = machine_note((1.5, 1.0, 1.0), probes)
    assert "a fixed pure-Python loop took 0.500 s at the start, 0.750 s before the reporter part, " in note
    assert "0.875 s at the end (the machine's speed" in note
    assert machine((1.5, 1.0, 1.0), probes)["speed_probe_s"] == probes
