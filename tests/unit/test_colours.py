"""The platform palette (services/reporter/colours.py) keeps its promises: one colour for every
platform, readable on white and on Grafana's dark background, and every pair told apart under
normal vision and the three kinds of colour blindness."""

from __future__ import annotations

import itertools

import pytest

from services.reporter.colours import PLATFORM_COLOURS, colour, rgb
from shared.events import PLATFORMS

WHITE, GRAFANA_DARK = "#FFFFFF", "#181B1F"
# Machado, Oliveira and Fernandes (2009), severity 1.0, on linear RGB.
VISION = {
    "normal": ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
    "protanopia": (
        (0.152286, 1.052583, -0.204868),
        (0.114503, 0.786281, 0.099216),
        (-0.003882, -0.048116, 1.051998),
    ),
    "deuteranopia": (
        (0.367322, 0.860646, -0.227968),
        (0.280085, 0.672501, 0.047413),
        (-0.011820, 0.042940, 0.968881),
    ),
    "tritanopia": (
        (1.255528, -0.076749, -0.178779),
        (-0.078411, 0.930809, 0.147602),
        (0.004733, 0.691367, 0.303900),
    ),
}


def linear(hex_colour: str) -> list[float]:
    return [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb(hex_colour)]


def luminance(hex_colour: str) -> float:
    r, g, b = linear(hex_colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def lab(hex_colour: str, vision: str) -> tuple[float, float, float]:
    """CIELAB (D65) of the colour as someone with ``vision`` sees it."""
    c = linear(hex_colour)
    r, g, b = (min(1.0, max(0.0, sum(m * v for m, v in zip(row, c, strict=True)))) for row in VISION[vision])
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def test_every_platform_has_its_own_colour():
    assert set(PLATFORM_COLOURS) == set(PLATFORMS)
    assert len(set(PLATFORM_COLOURS.values())) == len(PLATFORMS)
    assert colour("linkedin") == "#0072B2" and colour("myspace") not in PLATFORM_COLOURS.values()


@pytest.mark.parametrize("background", [WHITE, GRAFANA_DARK])
def test_every_colour_is_readable_on_white_and_on_dark(background):
    low = {p: round(contrast(c, background), 2) for p, c in PLATFORM_COLOURS.items()}
    assert all(v >= 3 for v in low.values()), low


@pytest.mark.parametrize("vision", list(VISION))
def test_every_pair_is_told_apart(vision):
    for (a, ca), (b, cb) in itertools.combinations(PLATFORM_COLOURS.items(), 2):
        distance = sum((x - y) ** 2 for x, y in zip(lab(ca, vision), lab(cb, vision), strict=True)) ** 0.5
        assert distance >= 12, f"{a} and {b} are {distance:.1f} apart under {vision}"


def test_the_checks_would_catch_near_identical_blues():
    """The issue's complaint: the report's former LinkedIn and Facebook blues."""
    linkedin, facebook = "#0A66C2", "#4267B2"
    near = sum((x - y) ** 2 for x, y in zip(lab(linkedin, "normal"), lab(facebook, "normal"), strict=True))
    assert near**0.5 < 12
