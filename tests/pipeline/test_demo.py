"""`sada demo` replays the calibrated seed event through the real pipeline and prints its summary."""

from __future__ import annotations

import json

from harness import sada

from services.demo.simulator import Calibration


def test_demo_prints_the_seed_report_figures(tmp_path):
    done = sada(
        "demo",
        "--seconds",
        "1",
        "--out",
        str(tmp_path / "out"),
        env={"SADA_DATA_DIR": str(tmp_path / "data")},
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    expected = Calibration()
    assert summary["totals"]["posts"] == expected.posts == 932
    assert summary["totals"]["views"] == expected.views == 314_000
    assert summary["totals"]["engagements"] == expected.engagements == 246_000
    assert summary["platforms"]["linkedin"]["engagement_rate"]["by_impressions"] == expected.linkedin_rate
    assert summary["mentions"]["articles"] == 316 and summary["mentions"]["countries"] == 22
    assert (tmp_path / "out" / "summary-ausim-2022.json").read_text("utf-8") == done.stdout
    assert "records sent" in done.stderr  # progress was shown
