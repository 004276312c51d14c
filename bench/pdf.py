"""The campaign report's render time per language, on the seed-sized event (issue: target ≤ 5 s).

Runs ``python -m bench.pdf_timing --json`` in a child process:
chDB allows one data path per process, and the timing module builds its own
seed-sized store through the local pipeline.
"""

from __future__ import annotations

import json
import subprocess
import sys

from bench.report import Figure

TARGET_S = 5.0


def measure_pdf(repeat: int) -> tuple[list[Figure], dict]:
    """One figure per (event, language): the median time to read the store and draw the PDF."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.pdf_timing", "--json", "--repeat", str(repeat)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"PDF timing failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
    results = json.loads(done.stdout.strip().splitlines()[-1])
    figures = [
        Figure(
            f"PDF report {lang}, {event}",
            per_lang["total_s"],
            "s",
            target=f"<= {TARGET_S:.0f} s",
            passed=per_lang["total_s"] <= TARGET_S,
        )
        for event, by_lang in results.items()
        for lang, per_lang in by_lang.items()
    ]
    return figures, results
