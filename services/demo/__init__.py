"""The demo: a simulated edition of the seed event (``simulator``), its event registry
(``demo_events.toml``, also the example of the registry format) and ``sada demo`` (``run``)."""

from pathlib import Path

# The demo's event registry (names, agenda, previous edition), also the example registry file.
DEMO_REGISTRY = Path(__file__).with_name("demo_events.toml")
