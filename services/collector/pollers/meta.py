"""What the Facebook and Instagram pollers share: Meta's usage headers, throttling codes,
error shape and insights metrics probed one by one (PLATFORMS.md).

- **Usage**: ``X-App-Usage`` / ``X-Page-Usage`` / ``X-Business-Use-Case-Usage`` are JSON, in
  percent of the limit. The highest one is the status's ``usage_percent``; at 95 % and above
  the next call waits (``estimated_time_to_regain_access`` minutes when given, else 5
  minutes), so the limit is not hit at all.
- **Throttling**: error codes 4, 17, 32, 613, 80001 (and a 429): wait the regain time, else
  back off exponentially.
- **Insights**: asking for a metric Meta removed fails the whole call, so when a combined call
  fails with code 100 every metric is asked alone; one that fails alone is dropped and
  remembered in the checkpoint (``dropped_metrics``, with Meta's message), unless every metric
  fails, which says the post is the problem, not the metrics. An empty ``values`` list means
  "no data", never 0.
- **Invalidated tokens** (PLATFORMS.md, Field notes, "Tokens expire"): Page tokens from a
  long-lived user token do not expire but are invalidated by a password change, a revoked
  permission or a session logged out; every such answer is error code 190 (``OAuthException``,
  with an ``error_subcode`` such as 460 or 463 saying why). Nothing renews that without a
  person: the connector stops (:class:`~.limits.Stopped`) naming the subcode and the variable
  to set (``SADA_FACEBOOK_TOKEN`` / ``SADA_INSTAGRAM_TOKEN``).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from services.collector.mapping import as_dict, as_list, counter
from services.collector.pollers.http import Response
from services.collector.pollers.limits import ApiError, PollError, Stopped
from services.collector.pollers.poller import Poller
from shared.events import COUNTERS

THROTTLE_CODES = {4, 17, 32, 613, 80001}
USAGE_HEADERS = ("x-app-usage", "x-page-usage", "x-business-use-case-usage")
NEAR_LIMIT = 95.0
PAUSE_NEAR_LIMIT = timedelta(minutes=5)
INVALID_PARAMETER = 100
INVALID_TOKEN = 190


def usage(headers: dict[str, str] | Any) -> tuple[float | None, float]:
    """The highest usage percentage in Meta's headers and the longest regain time (minutes)."""
    highest: float | None = None
    regain = 0.0

    def note(block: dict) -> None:
        nonlocal highest, regain
        for key in ("call_count", "total_cputime", "total_time"):
            value = block.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                highest = value if highest is None else max(highest, value)
        minutes = block.get("estimated_time_to_regain_access")
        if isinstance(minutes, (int, float)) and not isinstance(minutes, bool):
            regain = max(regain, float(minutes))

    for name in USAGE_HEADERS:
        try:
            value = json.loads(headers.get(name, "") or "null")
        except ValueError:
            continue
        if isinstance(value, dict) and any(key in value for key in ("call_count", "total_time")):
            note(value)
        elif isinstance(value, dict):
            for blocks in value.values():
                for block in as_list(blocks):
                    note(as_dict(block))
    return highest, regain


def meta_error(response: Response) -> dict[str, Any]:
    return as_dict(as_dict(response.json()).get("error"))


class MetaPoller(Poller):
    """Facebook and Instagram: the Graph API's limits and errors."""

    def rate_limit_wait(self, response: Response) -> float | None:
        percent, regain_minutes = usage(response.headers)
        if percent is not None:
            self.limit.usage_percent = percent
        code = meta_error(response).get("code")
        if response.status == 429 or code in THROTTLE_CODES:
            self.limit.last_signal = f"{response.status}, Graph API error code {code}"
            if regain_minutes > 0:
                return regain_minutes * 60
            return self.backoff(self.limit.last_signal)
        if percent is not None and percent >= NEAR_LIMIT:
            pause = timedelta(minutes=regain_minutes) if regain_minutes > 0 else PAUSE_NEAR_LIMIT
            self.limit.remaining = 0
            self.limit.reset_at = self.clock() + pause
            self.limit.last_signal = f"usage at {percent:.0f} %"
        return None

    def check(self, response: Response) -> dict[str, Any]:
        body = response.json()
        if response.status == 200 and isinstance(body, dict) and "error" not in body:
            return body
        error = as_dict(as_dict(body).get("error"))
        if error.get("code") == INVALID_TOKEN:
            subcode = error.get("error_subcode")
            variable = self.connection.switch()
            raise Stopped(
                f"the Meta token was invalidated (code 190/subcode {subcode if subcode else 'none'})",
                f"renew it: set {variable} to a new {self.platform} token (a Page token from a "
                "long-lived user token does not expire until the password or permissions change)",
            )
        raise ApiError(response.status, str(error.get("message") or response.text[:200]), error.get("code"))

    async def get(self, url: str, **params: Any) -> dict[str, Any]:
        return self.check(await self.request("GET", url, params={**params, "access_token": self.token}))

    # -- insights ---------------------------------------------------------------------------

    async def insights(
        self, object_id: str, metrics: list[str], scope: str = "", edge: str = "insights"
    ) -> dict[str, int | None]:
        """Lifetime values of ``metrics`` for one post (name → value, None = no data). Metrics
        dropped before are not asked; see the module's docstring for the probing."""

        def key(metric: str) -> str:
            return f"{scope}:{metric}" if scope else metric

        dropped = self.checkpoint.dropped_metrics
        wanted = [metric for metric in metrics if key(metric) not in dropped]
        if not wanted:
            return {}
        values: dict[str, int | None] = {}
        refused: dict[str, str] = {}
        try:
            return await self._insights(object_id, wanted, edge)
        except ApiError as exc:
            if exc.code != INVALID_PARAMETER:
                raise
            if len(wanted) == 1:
                refused[wanted[0]] = str(exc)
        for metric in wanted if not refused else []:
            try:
                values.update(await self._insights(object_id, [metric], edge))
            except ApiError as exc:
                if exc.code != INVALID_PARAMETER:
                    self.fail("metric", f"{metric} of {object_id}: {exc}")
                else:
                    refused[metric] = str(exc)
        if len(wanted) > 1 and len(refused) == len(wanted):
            raise PollError(
                f"insights of {object_id}: every metric was refused ({next(iter(refused.values()))})"
            )
        for metric, reason in refused.items():
            dropped[key(metric)] = reason
            self.fail("metric", f"{metric} dropped: {reason}")
        return values

    async def _insights(self, object_id: str, metrics: list[str], edge: str) -> dict[str, int | None]:
        body = await self.get(f"{self.url}/{object_id}/{edge}", metric=",".join(metrics), period="lifetime")
        values: dict[str, int | None] = {}
        for item in map(as_dict, as_list(body.get("data"))):
            name = item.get("name")
            if not isinstance(name, str):
                continue
            listed = as_list(item.get("values"))
            if listed:
                values[name] = counter(as_dict(listed[-1]).get("value"))
            elif isinstance(item.get("total_value"), dict):
                values[name] = counter(item["total_value"].get("value"))
            else:
                values[name] = None  # an empty list: no data yet, not 0
        return values


def counters_from(values: dict[str, int | None], mapping: tuple[tuple[str, str], ...]) -> dict[str, int]:
    """Insights values as format v1 counters: the first metric with a value wins per counter."""
    found: dict[str, int] = {}
    for metric, name in mapping:
        assert name in COUNTERS
        value = values.get(metric)
        if value is not None and name not in found:
            found[name] = value
    return found
