"""A real browser for the tests: headless Chromium from Debian's ``chromium`` package, driven over
the DevTools protocol (a websocket, aiohttp's client) — no Playwright, no browser download.

``make test`` installs the package (the Makefile's ``tools`` target, with poppler-utils). A
machine without it fails the tests that need it with one line saying so, never skips them.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import re
import shutil
import struct
import tempfile
from typing import Any

import aiohttp

from harness import Background, wait_for

WIDTH, HEIGHT = 1920, 1080
MISSING = "headless Chromium is not installed: run `make tools` (it installs Debian's chromium package)"


def chromium() -> str:
    """The browser's path; an AssertionError of one line without it."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        raise AssertionError(MISSING)
    return found


class Chromium(Background):
    """One headless Chromium and one tab, at ``width`` × ``height`` CSS pixels (scale 1)."""

    def __init__(self, width: int = WIDTH, height: int = HEIGHT):
        super().__init__()
        self.width, self.height = width, height
        self.profile = tempfile.mkdtemp(prefix="sada-chromium-")
        self.process: asyncio.subprocess.Process | None = None
        self._ids = itertools.count(1)
        self.call(self._start(), 60)

    async def _start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            chromium(),
            "--headless",
            "--no-sandbox",  # root in a container has no user namespaces for the sandbox
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--hide-scrollbars",
            "--remote-debugging-port=0",
            f"--user-data-dir={self.profile}",
            f"--window-size={self.width},{self.height}",
            "about:blank",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        assert self.process.stderr is not None
        while True:
            line = (await asyncio.wait_for(self.process.stderr.readline(), 30)).decode()
            if not line:
                raise AssertionError("chromium exited before it listened for DevTools")
            if match := re.search(r"DevTools listening on ws://([^/]+)/", line):
                break
        self.session = aiohttp.ClientSession()
        async with self.session.get(f"http://{match.group(1)}/json/list") as answer:
            tab = next(t for t in await answer.json() if t["type"] == "page")
        self.socket = await self.session.ws_connect(tab["webSocketDebuggerUrl"], max_msg_size=0)
        asyncio.get_running_loop().create_task(self._drain_stderr())
        await self._send(
            "Emulation.setDeviceMetricsOverride",
            width=self.width,
            height=self.height,
            deviceScaleFactor=1,
            mobile=False,
        )

    async def _drain_stderr(self) -> None:
        """Keep reading Chromium's log so that a full pipe never blocks it."""
        assert self.process is not None and self.process.stderr is not None
        while await self.process.stderr.readline():
            pass

    async def _send(self, method: str, **params: Any) -> dict[str, Any]:
        """One DevTools command; events that arrive before its answer are dropped."""
        number = next(self._ids)
        await self.socket.send_str(json.dumps({"id": number, "method": method, "params": params}))
        while True:
            message = json.loads((await self.socket.receive(timeout=60)).data)
            if message.get("id") == number:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                return message["result"]

    def goto(self, url: str) -> None:
        """Open ``url`` as a new document (through about:blank, so that nothing the previous
        page set is read as this one's, and a URL that differs only by its fragment loads)."""
        self.call(self._send("Page.navigate", url="about:blank"))
        self.wait("location.href === 'about:blank' && document.readyState === 'complete'", 30, "about:blank")
        self.call(self._send("Page.navigate", url=url))

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (JSON-able)."""
        result = self.call(self._send("Runtime.evaluate", expression=expression, returnByValue=True))
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait(self, expression: str, timeout_s: float, what: str) -> Any:
        """Poll ``expression`` until it is truthy; its value."""
        return wait_for(lambda: self.evaluate(expression), timeout_s, what, interval_s=0.2)

    def screenshot(self) -> bytes:
        shot = self.call(self._send("Page.captureScreenshot", format="png"))
        return base64.b64decode(shot["data"])

    def close(self) -> None:
        async def stop() -> None:
            if hasattr(self, "session"):
                await self.session.close()
            if self.process is not None and self.process.returncode is None:
                self.process.terminate()
                await self.process.wait()

        self.call(stop(), 30)
        self.stop()
        shutil.rmtree(self.profile, ignore_errors=True)


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", png[16:24])


def png_colours(png: bytes) -> int:
    """How many distinct colours a PNG shows (8-bit RGB or RGBA, as Chromium writes them)."""
    from io import BytesIO

    from PIL import Image

    with Image.open(BytesIO(png)) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    return len(colours) if colours is not None else 1 << 20
