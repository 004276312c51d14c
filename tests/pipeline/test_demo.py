"""`sada demo` replays the calibrated seed event through the real pipeline and prints its summary;
with ``--keep-running`` it stays up and prints the event's live page, which shows the same figures."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

from harness import Background, KeptDemo

from services.demo.simulator import Calibration


def test_demo_prints_the_seed_report_figures_and_the_live_page(tmp_path):
    with KeptDemo(
        "--seconds", "1", "--out", str(tmp_path / "out"), env={"SADA_DATA_DIR": str(tmp_path / "data")}
    ) as demo:
        page = urlsplit(demo.page)
        assert page.path == "/live/ausim-2022"
        at = parse_qs(page.query)["at"][0]
        with Background() as client:
            status, live = client.get(f"{page.scheme}://{page.netloc}/v1/events/ausim-2022/live", at=at)
        code, stdout, stderr = demo.stop()
    assert code == 0, stderr
    summary = json.loads(stdout)
    expected = Calibration()
    assert summary["totals"]["posts"] == expected.posts == 932
    assert summary["totals"]["views"] == expected.views == 314_000
    assert summary["totals"]["engagements"] == expected.engagements == 246_000
    assert summary["platforms"]["linkedin"]["engagement_rate"]["by_impressions"] == expected.linkedin_rate
    assert summary["mentions"]["articles"] == 316 and summary["mentions"]["countries"] == 22
    assert (tmp_path / "out" / "summary-ausim-2022.json").read_text("utf-8") == stdout
    assert "records sent" in stderr  # progress was shown
    assert "live page  http://" in stderr  # local mode's list of pages, as `sada up` prints it

    # The page it printed shows the summary's figures, in full, and something moving then.
    assert status == 200
    shown = {card["key"]: card["text"] for card in live["headline"]}
    assert shown["posts"] == "932" and shown["views"] == "314,000" and shown["engagements"] == "246,000"
    assert shown["articles"] == "316"
    assert live["window"]["metrics"][0]["latest"] > 0
