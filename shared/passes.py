"""A poller's pass as the store keeps it: the collection-health record (issue 11, item 9).

The pollers live in the collector process and Grafana reads ClickHouse only, so each pass ends
by publishing one :class:`PollerPass` to the ``pollers`` topic (``shared/bus.py``); the
aggregator decodes it like any record (``services/aggregator/decode.py``) into the
``poller_passes`` table (migration 008, ``shared/records.py``). The Pipeline health dashboard
and the "collection stalled" alert read that table.

It is not a format v1 record: clients cannot send one through ``POST /v1/events`` (it has its
own topic and parser), so a team's own data can never fake the collection's health.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

from shared.events import EARLIEST, EVENT_SLUG, String, load_json

# The state a pass leaves its poller in (``running`` is only ever seen live, in /v1/pollers).
PASS_STATES = ("idle", "rate-limited", "blocked", "failed")
NAME = r"^[a-z][a-z0-9_-]{0,31}$"
Short = Annotated[String, Field(max_length=2000)]
# The latest time a pass may name: well inside DateTime64(3)'s range (a time ClickHouse cannot
# hold would fail the insert, and the aggregator would retry that batch for ever).
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


class PollerPass(BaseModel):
    """One pass of one poller (a connector for an event) and the state it left.

    ``ok``: the pass is *successful* (it ran to its end, was not stopped, and at least one of
    its parts worked or none failed); ``last_success`` moves only with such passes, and the
    stall alert reads it. ``until``: when a rate limit lifts (state ``rate-limited``). ``why``
    and ``remedy``: what stopped it and what a person does about it (state ``blocked``), or the
    last error (``failed``). ``paused``: the parts skipped until a time ("search until …: why;
    remedy"), the rest of the pass went on. ``records``: records this pass published.
    ``interval_s``: the poller's cadence, so "N intervals without success" needs no setting
    of the collector's on the reader's side.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    event: Annotated[str, Field(pattern=EVENT_SLUG)]
    connector: Annotated[str, Field(pattern=NAME)]
    platform: Annotated[str, Field(pattern=NAME)]
    started_at: AwareDatetime
    ended_at: AwareDatetime
    ok: bool
    state: Literal["idle", "rate-limited", "blocked", "failed"]
    until: AwareDatetime | None = None
    why: Short = ""
    remedy: Short = ""
    paused: Annotated[list[Short], Field(max_length=32)] = Field(default_factory=list)
    records: Annotated[int, Field(ge=0, lt=2**32)] = 0
    errors: Annotated[int, Field(ge=0, lt=2**32)] = 0
    last_success: AwareDatetime | None = None
    interval_s: Annotated[float, Field(gt=0, le=86_400 * 7)]

    @field_validator("started_at", "ended_at", "until", "last_success")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if not EARLIEST <= value <= LATEST:
            raise ValueError(f"must be between {EARLIEST.year} and {LATEST.year}")
        return value.astimezone(UTC)

    @property
    def key(self) -> bytes:
        """One poller's passes share a partition, so they are stored in order."""
        return f"{self.connector}:{self.event}".encode()

    def to_json(self) -> bytes:
        return self.model_dump_json().encode()


class PassRefused(ValueError):
    """A message on the pollers topic that is not a pass: ``field`` names what is wrong."""

    def __init__(self, field: str, reason: str, event: str = ""):
        super().__init__(f"{field}: {reason}" if field else reason)
        self.field = field
        self.reason = reason
        self.event = event


def parse_pass(raw: bytes) -> PollerPass:
    """The pass in ``raw``, or :class:`PassRefused` saying which field is wrong."""
    try:
        obj = load_json(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise PassRefused("", f"invalid UTF-8 at byte {exc.start}") from None
    except ValueError as exc:
        raise PassRefused("", f"invalid JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise PassRefused("", "a poller pass must be a JSON object")
    event = obj.get("event")
    readable = event if isinstance(event, str) and len(event) <= 64 else ""
    try:
        return PollerPass.model_validate(obj)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = ".".join(str(part) for part in first["loc"])
        reason = "required field is missing" if first["type"] == "missing" else first["msg"]
        raise PassRefused(field, reason.removeprefix("Value error, "), readable) from None
