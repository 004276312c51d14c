"""From an HTTP body to validated records and rejections, line by line.

Kept apart from the web layer so ``sada run`` and the tests speak the same
rules as ``POST /v1/events``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from shared.events import Record, Rejection, load_json, parse_record, validate_object

log = logging.getLogger("sada.collector")
T = TypeVar("T")

NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl", "application/jsonlines")
JSON_TYPES = ("application/json",)


class BodyError(ValueError):
    """The body as a whole cannot be read (not one bad line: the request is refused)."""


@dataclass
class Line:
    number: int
    raw: bytes


@dataclass
class Intake:
    """The outcome of validating one body: what goes to which topic."""

    received_ns: int
    accepted: list[tuple[Line, Record]] = field(default_factory=list)
    rejected: list[tuple[Line, Rejection]] = field(default_factory=list)
    # Where the records come from, stamped into each one's wire form (:meth:`stamp`).
    source: str = ""
    # Each accepted record's canonical JSON, computed once (by the size check) and reused when it
    # is produced; by id, holding the record so that its id is not reused meanwhile.
    _wire: dict[int, tuple[Record, bytes]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def total(self) -> int:
        return len(self.accepted) + len(self.rejected)

    def add(self, line: Line, outcome: Record | Rejection) -> None:
        """File one validated line: a record is accepted, a rejection goes to the dead letters."""
        if isinstance(outcome, Rejection):
            self.rejected.append((line, outcome))
        else:
            self.accepted.append((line, outcome))

    def stamp(self, source: str) -> None:
        """Set the source every record of this intake is published with (the route's kind and
        what the client named: ``http:<X-Sada-Source>``, ``export:<format>:<file>``, …)."""
        if source != self.source:
            self.source = source
            self._wire.clear()

    def wire(self, record: Record) -> bytes:
        """``record.to_json()`` with :attr:`source` in place of any the client sent, serialised
        once per intake: the record is not validated again, its JSON object gets one more key."""
        cached = self._wire.get(id(record))
        if cached is None or cached[0] is not record:
            body = (
                record.to_json()
                if record.source is None
                else record.model_dump_json(exclude_none=True, exclude={"source"}).encode()
            )
            if self.source:
                body = body[:-1] + b',"source":' + json.dumps(self.source).encode() + b"}"
            cached = self._wire[id(record)] = (record, body)
        return cached[1]

    def bound(self, max_bytes: int) -> list[tuple[Line, Rejection]]:
        """Reject, each on its own, the records whose canonical JSON is over ``max_bytes``
        (Kafka would refuse the message, and with it the whole request); keep at most half
        of that of any dead letter's bytes, so the dead letter itself fits. Returns the
        records rejected here, for answers that list them apart."""
        accepted, oversized = [], []
        for line, record in self.accepted:
            size = len(self.wire(record))
            if size > max_bytes:
                reason = (
                    f"the record is {size} bytes, over the {max_bytes} a record may have "
                    "(SADA_MAX_RECORD_BYTES)"
                )
                oversized.append((line, Rejection("", reason, record.event)))
            else:
                accepted.append((line, record))
        self.accepted = accepted
        self.rejected = [
            (Line(line.number, line.raw[: max_bytes // 2]), rejection)
            for line, rejection in self.rejected + oversized
        ]
        return oversized


def checked(
    validate: Callable[[T, datetime], Record | Rejection], value: T, arrival: datetime
) -> Record | Rejection:
    """``validate(value, arrival)`` that never raises: whatever a record does to the validation
    becomes this record's rejection (logged, and counted with the rejections), never the
    request's 500."""
    try:
        return validate(value, arrival)
    except (ArithmeticError, ValueError, RecursionError, TypeError) as exc:
        log.warning("a record broke the validation (%s: %s); rejected", type(exc).__name__, exc)
        event = value.get("event") if isinstance(value, dict) else None
        reason = f"the record cannot be validated ({type(exc).__name__}: {exc})"
        return Rejection("", reason, event if isinstance(event, str) else "")


def sort_outcomes(received_ns: int, outcomes: Iterable[tuple[Line, Record | Rejection]]) -> Intake:
    """The one intake loop: every validated line, accepted or rejected, in order."""
    intake = Intake(received_ns)
    for line, outcome in outcomes:
        intake.add(line, outcome)
    return intake


def split_ndjson(body: bytes, first_line: int = 1) -> list[Line]:
    """One record per line; blank lines are skipped but still counted in numbering."""
    lines = []
    for number, raw in enumerate(body.split(b"\n"), start=first_line):
        raw = raw.rstrip(b"\r")
        if raw.strip():
            lines.append(Line(number, raw))
    return lines


def split_json_array(body: bytes, first_line: int = 1) -> list[tuple[Line, object]]:
    """A JSON array of records; element numbers stand in for line numbers."""
    try:
        value = load_json(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise BodyError(f"body is not valid UTF-8 (byte {exc.start})") from None
    except ValueError as exc:
        raise BodyError(f"body is not valid JSON: {exc}") from None
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise BodyError("a JSON body must be an array of records or one record object")
    return [
        (Line(number, json.dumps(item, ensure_ascii=False).encode()), item)
        for number, item in enumerate(value, start=first_line)
    ]


def now_ns() -> int:
    return time.time_ns()


def validate_body(
    body: bytes, content_type: str, received_ns: int | None = None, first_line: int = 1
) -> Intake:
    """Validate every record of a body; raises :class:`BodyError` only for an unreadable body.

    ``first_line`` numbers the body's first line, so a client sending a file in
    chunks gets (and the dead-letter table keeps) the file's own line numbers.
    """
    received_ns = received_ns or now_ns()
    arrival = datetime.fromtimestamp(received_ns / 1e9, tz=UTC)
    if content_type in JSON_TYPES:
        return sort_outcomes(
            received_ns,
            (
                (line, checked(validate_object, obj, arrival))
                for line, obj in split_json_array(body, first_line)
            ),
        )
    return sort_outcomes(
        received_ns,
        ((line, checked(parse_record, line.raw, arrival)) for line in split_ndjson(body, first_line)),
    )
