"""A poller's HTTP calls: rate limits waited out, network errors and 5xx retried with backoff.

:class:`Requests` is the part of :class:`~services.collector.pollers.poller.Poller` that
talks to the platform; every call is counted (``sada_poller_requests``), a rate-limit answer
waits (or blocks the pass, see :mod:`.limits`), anything else goes back to the connector.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

import aiohttp
from yarl import URL

from services.collector.metrics import PollerMetrics
from services.collector.pollers.checkpoint import Checkpoint
from services.collector.pollers.limits import Blocked, PollError, RateLimit
from services.collector.pollers.schedule import iso
from shared.registry import Event
from shared.settings import PollingSettings

log = logging.getLogger("sada.collector.pollers")


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]  # lower-cased names
    content: bytes
    charset: str = "utf-8"

    @property
    def text(self) -> str:
        try:
            return self.content.decode(self.charset, errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        try:
            return json.loads(self.text)
        except ValueError:
            return None


def without_query(url: str | URL) -> str:
    """A URL fit for messages and logs: no query string (tokens travel there)."""
    return str(URL(str(url)).with_query(None))


class Requests:
    """Calls to one platform for one event, sharing the connector's :class:`RateLimit`."""

    name: ClassVar[str]
    event: Event
    polling: PollingSettings
    session: aiohttp.ClientSession
    metrics: PollerMetrics
    limit: RateLimit
    checkpoint: Checkpoint
    clock: Callable[[], datetime]
    sleep: Callable[[float], Awaitable[None]]
    state: str

    def rate_limit_wait(self, response: Response) -> float | None:
        """Seconds to wait when ``response`` is a rate-limit signal (and update ``self.limit``),
        else None. The default: 429, with ``Retry-After`` when given, else exponential backoff."""
        if response.status != 429:
            return None
        return self.retry_after(response) or self.backoff("429")

    # -- helpers for platforms --------------------------------------------------------------

    def retry_after(self, response: Response) -> float | None:
        value = response.headers.get("retry-after", "")
        return float(value) if value.isdigit() else None

    def backoff(self, signal: str) -> float:
        self.limit.last_signal = signal
        return self.limit.backoff(self.polling.backoff_initial_s, self.polling.backoff_max_s)

    def pre_request_wait(self) -> float | None:
        """Before a request: the window is used up and resets later → wait for the reset."""
        if self.limit.remaining == 0 and self.limit.reset_at is not None:
            wait = self.limit.reset_at.timestamp() - time.time()
            if wait > 0:
                return wait + 0.5
            self.limit.remaining = None
        return None

    async def request(
        self,
        method: str,
        url: str | URL,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        form: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """One API call: waits out rate limits, retries network errors and 5xx with backoff,
        returns any other answer for the connector to read. ``body`` is sent as JSON, ``form``
        form-encoded (OAuth token calls: neither is ever logged)."""
        attempts, limited = 0, 0
        shown = without_query(url)
        while True:
            wait = self.pre_request_wait()
            if wait is not None:
                await self.hold(wait, f"{self.name}: no calls left until the window resets")
            problem = ""
            try:
                async with self.session.request(
                    method,
                    url,
                    params=params,
                    json=body,
                    data=dict(form) if form is not None else None,
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=self.polling.timeout_s),
                ) as answer:
                    response = Response(
                        answer.status,
                        {k.lower(): v for k, v in answer.headers.items()},
                        await answer.read(),
                        answer.charset or "utf-8",
                    )
            except (aiohttp.ClientError, TimeoutError) as exc:
                problem = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                self.metrics.requests.labels(self.name, "network").inc()
            else:
                self.metrics.requests.labels(self.name, str(response.status)).inc()
                wait = self.rate_limit_wait(response)
                self._gauge_remaining()
                if wait is not None:
                    limited += 1
                    self.limit.rate_limited += 1
                    self.metrics.rate_limited.labels(self.name).inc()
                    why = f"{self.name} rate limit ({self.limit.last_signal or response.status})"
                    log.warning("%s on %s: waiting %.1f s", why, shown, wait)
                    if limited > 10:
                        until = self.clock() + timedelta(seconds=wait)
                        self.block(until)
                        raise Blocked(until, why + ", 10 times in a row")
                    await self.hold(wait, why)
                    continue
                if response.status != 429:
                    self.limit.failures = 0
                if response.status < 500:
                    return response
                problem = f"HTTP {response.status}"
            attempts += 1
            if attempts > self.polling.retries:
                raise PollError(f"{method} {shown} failed {attempts} times: {problem}")
            await self.sleep(
                min(
                    self.polling.backoff_max_s,
                    self.polling.backoff_initial_s * 2 ** (attempts - 1),
                )
            )

    def _gauge_remaining(self) -> None:
        if self.limit.remaining is not None:
            self.metrics.remaining.labels(self.name).set(self.limit.remaining)
        elif self.limit.usage_percent is not None:
            self.metrics.remaining.labels(self.name).set(max(0.0, 100 - self.limit.usage_percent))

    async def hold(self, wait_s: float, why: str) -> None:
        """Wait ``wait_s`` for a rate limit, or end the pass when that is too long."""
        wait_s = max(0.0, wait_s)
        until = self.clock() + timedelta(seconds=wait_s)
        if wait_s > self.polling.max_wait_s:
            self.block(until)
            raise Blocked(until, why)
        self.limit.waiting_until = until
        self.metrics.waiting.labels(self.name, self.event.slug).set(wait_s)
        previous, self.state = self.state, "waiting"
        try:
            await self.sleep(wait_s)
        finally:
            self.state = previous
            self.limit.waiting_until = None
            self.metrics.waiting.labels(self.name, self.event.slug).set(0)

    def block(self, until: datetime) -> None:
        self.limit.blocked_until = until
        self.checkpoint.data["blocked_until"] = iso(until)
        self.checkpoint.save()
        self.metrics.blocked.labels(self.name, self.event.slug).set(1)
