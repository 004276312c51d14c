"""One colour per platform, shared by the PDF report and the Grafana dashboards.

The same platform is the same colour wherever a team sees it: a line on the live wall, a bar
in the report. The palette is chosen for three things, which ``tests/unit/test_colours.py``
checks:

- **readable on white and on dark**: every colour has a contrast of at least 3:1 (WCAG 2.1,
  non-text contrast) against white paper and against Grafana's dark panel background
  (``#181B1F``), so one palette serves the PDF, the light and the dark themes;
- **told apart by everyone**: every pair stays at least 12 CIELAB units apart for normal
  vision and under simulated protanopia, deuteranopia and tritanopia (Machado, Oliveira and
  Fernandes 2009, severity 1), which is why LinkedIn and Facebook, both blue by brand, are a
  deep blue and a light cyan-blue rather than two near-identical blues;
- **recognisable**: close to each platform's own hue where that allows the first two
  (YouTube red-orange, Instagram pink, TikTok green); X's brand black would vanish on a dark
  wall, so it is a mid grey; the press and blogs (``web``) are olive.

Based on the Okabe–Ito palette (https://jfly.uni-koeln.de/color/) where it fits.
"""

from __future__ import annotations

# Platform → colour as ``#RRGGBB`` (the keys are shared/events.py's PLATFORMS).
PLATFORM_COLOURS: dict[str, str] = {
    "linkedin": "#0072B2",
    "facebook": "#0099CC",
    "x": "#6E6E6E",
    "instagram": "#CC79A7",
    "youtube": "#D55E00",
    "tiktok": "#117733",
    "web": "#999933",
}
# A platform the palette does not name (never one of PLATFORMS): a neutral grey.
OTHER = "#8C8C8C"


def colour(platform: str) -> str:
    """The platform's colour as ``#RRGGBB``."""
    return PLATFORM_COLOURS.get(platform, OTHER)


def rgb(hex_colour: str) -> tuple[float, float, float]:
    """``#RRGGBB`` as three fractions 0–1 (what reportlab's ``Color`` takes)."""
    digits = hex_colour.removeprefix("#")
    red, green, blue = (int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return red, green, blue
