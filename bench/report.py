"""The figures as one table on stdout and as JSON under ``bench-results/``."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Figure:
    """One line of the table. ``bound``/``ratio``/``target``/``result`` are empty when not applicable."""

    figure: str
    value: float
    unit: str
    bound: str = ""
    bound_value: float | None = None
    target: str = ""
    passed: bool | None = None

    @property
    def ratio(self) -> float | None:
        if not self.bound_value:
            return None
        return self.value / self.bound_value

    def cells(self) -> list[str]:
        ratio = "" if self.ratio is None else f"{self.ratio:.2f}"
        result = "" if self.passed is None else ("PASS" if self.passed else "FAIL")
        bound = f"{self.bound} = {_number(self.bound_value)}" if self.bound_value else self.bound
        return [self.figure, _number(self.value), self.unit, bound, ratio, self.target, result]

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio}


def _number(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"


HEADER = ["figure", "value", "unit", "limited by (raw bound)", "ratio", "target", "result"]


def table(figures: list[Figure]) -> str:
    return _grid(HEADER, [f.cells() for f in figures])


def _grid(header: list[str], cells: list[list[str]]) -> str:
    rows = [header] + cells
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


@dataclass(frozen=True)
class Latency:
    """One reporter endpoint: client-side latency percentiles over ``requests`` timed requests."""

    endpoint: str
    request: str
    p50_ms: float
    p95_ms: float
    requests: int
    target_p95_ms: float
    answer_bytes: int
    times_ms: list[float]

    @property
    def passed(self) -> bool:
        return self.p95_ms <= self.target_p95_ms

    def cells(self) -> list[str]:
        return [
            self.endpoint,
            _ms(self.p50_ms),
            _ms(self.p95_ms),
            f"<= {self.target_p95_ms:.0f} ms",
            "PASS" if self.passed else "FAIL",
        ]

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "passed": self.passed}


def _ms(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:,.0f}"


LATENCY_HEADER = ["endpoint", "p50 ms", "p95 ms", "target p95", "result"]


def latency_table(rows: list[Latency]) -> str:
    return _grid(LATENCY_HEADER, [row.cells() for row in rows])


def write_json(directory: Path, figures: list[Figure], details: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"bench-{stamp}.json"
    payload = {"created": stamp, "figures": [f.as_dict() for f in figures], **details}
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n", "utf-8")
    return path


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]
