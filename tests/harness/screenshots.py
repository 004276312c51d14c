"""``make screenshots``: the README's pictures, regenerated from a demo run — the live page in
English and Arabic (headless Chromium, 1920×1080) and the first page of the PDF report in each
(pdftoppm) — into docs/images/. Run as ``PYTHONPATH=tests python -m harness.screenshots DIR``.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from harness import KeptDemo
from harness.browser import Chromium

LANGS = ("en", "ar")


def main(images: Path) -> int:
    images.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sada-screenshots-") as scratch:
        out = Path(scratch) / "out"
        demo_args = ("--seconds", "3", "--out", str(out), "--lang", ",".join(LANGS))
        with KeptDemo(*demo_args, env={"SADA_DATA_DIR": str(Path(scratch) / "data")}) as demo:
            with Chromium() as browser:
                for lang in LANGS:
                    browser.goto(f"{demo.page}&lang={lang}")
                    browser.wait("document.body && document.body.dataset.state === 'ready'", 60, "the page")
                    path = images / f"live-{lang}.png"
                    path.write_bytes(browser.screenshot())
                    print(path)
            demo.stop()
        for lang in LANGS:
            prefix = images / f"report-{lang}"
            pdf = out / f"report-ausim-2022-{lang}.pdf"
            subprocess.run(
                ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "2", str(pdf), str(prefix)], check=True
            )
            print(*sorted(images.glob(f"report-{lang}-*.png")), sep="\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/images")))
