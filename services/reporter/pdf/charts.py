"""The report's charts, drawn with matplotlib as PNG images, labelled in the report's language.

matplotlib ≥ 3.11 shapes Arabic itself (its wheel carries libraqm), so Arabic
labels go in as plain logical-order strings. For ``ar`` the chart is mirrored
like the page: the first day on the right, the value axis on the right.
Each platform has its one colour (``services/reporter/colours.py``, shared with
the Grafana dashboards); the press is the ``web`` colour.
"""

from __future__ import annotations

import io
import threading
from datetime import date

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from services.reporter.colours import colour
from services.reporter.pdf.fonts import FONT_FILES
from services.reporter.pdf.words import Words

INK = "#222222"
PRESS = colour("web")
PRESS_OUTSIDE = "#d6d6ad"  # the press colour, lighter: days outside the event
_registered = threading.Lock()
_families: dict[str, str] = {}


def _family(words: Words) -> str:
    """Register the report fonts with matplotlib once; Amiri for Arabic, Lato otherwise."""
    with _registered:
        if not _families:
            for face in ("amiri", "lato"):
                path = FONT_FILES[face][""]
                font_manager.fontManager.addfont(str(path))
                _families[face] = font_manager.FontProperties(fname=str(path)).get_name()
    return _families["amiri" if words.rtl else "lato"]


def _axes(words: Words, width_in: float, height_in: float):
    family = _family(words)
    figure = Figure(figsize=(width_in, height_in), dpi=200, layout="constrained")
    axes = figure.add_subplot()
    axes.spines[["top", "left" if words.rtl else "right"]].set_visible(False)
    if words.rtl:
        axes.yaxis.tick_right()
        axes.yaxis.set_label_position("right")
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: words.number(round(value))))
    axes.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    axes.tick_params(labelsize=8, colors=INK)
    for label in (*axes.get_xticklabels(), *axes.get_yticklabels()):
        label.set_fontfamily(family)
    return figure, axes, family


def _ticks(axes, words: Words, family: str, days: list[date]) -> None:
    step = max(1, -(-len(days) // 14))
    positions = list(range(0, len(days), step))
    axes.set_xticks(positions)
    axes.set_xticklabels(
        [words.date(days[i], year=False, short=True) for i in positions], fontfamily=family, fontsize=8
    )
    axes.set_xlim(-0.6, len(days) - 0.4)
    if words.rtl:
        axes.invert_xaxis()


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=200)
    return buffer.getvalue()


def engagement_by_day(
    words: Words, days: list[tuple[date, bool, dict[str, int]]], platforms: list[str]
) -> bytes:
    """Stacked bars: engagements per day, one colour per platform; the event's days shaded."""
    figure, axes, family = _axes(words, 7.0, 2.7)
    dates = [d for d, _, _ in days]
    bottoms = [0] * len(days)
    for platform in platforms:
        heights = [by_platform.get(platform, 0) for _, _, by_platform in days]
        if not any(heights):
            continue
        axes.bar(
            range(len(days)),
            heights,
            bottom=bottoms,
            width=0.7,
            color=colour(platform),
            label=words.platform(platform),
        )
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=False)]
    for index, (_, in_event, _) in enumerate(days):
        if in_event:
            axes.axvspan(index - 0.5, index + 0.5, color="#f1f5f8", zorder=0)
    _ticks(axes, words, family, dates)
    # outside the plot, on the side where a line of the report ends
    axes.legend(
        loc="upper right" if words.rtl else "upper left",
        bbox_to_anchor=(-0.02 if words.rtl else 1.02, 1),
        frameon=False,
        prop={"family": family, "size": 8},
    )
    axes.set_ylim(0, max(bottoms or [1]) * 1.15 or 1)
    return _png(figure)


def articles_by_day(
    words: Words, days: list[tuple[date, int]], event_days: tuple[date, date] | None
) -> bytes:
    """Bars: press articles per day of publication; the event's days in the press colour, the
    others lighter."""
    figure, axes, family = _axes(words, 7.0, 2.2)
    colours = [
        PRESS if event_days and event_days[0] <= d <= event_days[1] else PRESS_OUTSIDE for d, _ in days
    ]
    axes.bar(range(len(days)), [n for _, n in days], width=0.7, color=colours)
    _ticks(axes, words, family, [d for d, _ in days])
    axes.set_ylim(0, max([n for _, n in days] or [1]) * 1.15)
    return _png(figure)
