"""How a long-running ``sada`` command (``up``, ``demo --keep-running``, one service) waits to be stopped."""

from __future__ import annotations

import asyncio
import signal


async def until_interrupted() -> None:
    """Return on Ctrl-C or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
