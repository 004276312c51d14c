"""The event registry: a valid file, errors that point at the line, unknown events in UTC."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.demo import DEMO_REGISTRY
from shared.registry import RegistryError, load_registry


def test_the_demo_registry_is_valid_and_names_events_in_three_languages():
    registry = load_registry(DEMO_REGISTRY)
    event = registry.get("ausim-2022")
    assert event.timezone == "Africa/Casablanca" and len(event.agenda) == 3
    assert event.name("fr") == "Congrès AUSIM 2022"
    assert event.agenda[1].title("ar") == "Table ronde : cybersécurité et souveraineté"  # falls back
    assert registry.get("ausim-2024").previous == "ausim-2022"


def test_an_unknown_event_works_in_utc_named_by_its_slug():
    event = load_registry(None).get("some-forum")
    assert event.timezone == "UTC" and event.name("ar") == "some-forum" and event.agenda == []


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "events.toml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """[[events]]
slug = "forum-a"
timezone = "Europe/Paris"
start = 2024-05-01T09:00:00+02:00
end = 2024-05-02T18:00:00+02:00
"""


@pytest.mark.parametrize(
    "text, line, words",
    [
        (GOOD + '\n[[events]]\nslug = "Forum B"\n', 7, "slug"),
        (GOOD.replace("Europe/Paris", "Europe/Atlantis"), 1, "time zone"),
        (GOOD.replace("2024-05-02T18", "2024-04-30T18"), 1, "end must come after start"),
        (
            GOOD + '\n[[events.agenda]]\nid = "k1"\n'
            "start = 2024-05-01T10:00:00+02:00\nend = 2024-05-01T09:00:00+02:00\n"
            'titles = { fr = "Ouverture" }\n',
            7,
            "agenda[0]",
        ),
        (
            GOOD + '\n[[events.agenda]]\nid = "k1"\nstart = 2024-05-01T10:00:00\nend = 2024-05-01T11:00:00\n'
            'titles = { fr = "Ouverture" }\n',
            7,
            "UTC offset",
        ),
        (GOOD + 'accounts = { myspace = ["x"] }\n', 1, "myspace"),
        (GOOD + 'previous = "forum-0"\n', None, "forum-0"),
        (GOOD + 'previous = "forum-a"\n', 1, "itself"),
        (GOOD.replace("2024-05-01T09:00:00+02:00", "2024-05-01T09:00:00"), 1, "UTC offset"),
        (GOOD.replace("2024-05-01T09:00:00+02:00", "2024-05-01"), 1, "UTC offset"),
        (GOOD + 'colour = "blue"\n', 1, "colour"),
        ('[[events]\nslug = "a"\n', None, "line 1"),
    ],
)
def test_errors_name_the_line_and_the_field(tmp_path, text, line, words):
    path = write(tmp_path, text)
    with pytest.raises(RegistryError) as caught:
        load_registry(path)
    message = str(caught.value)
    assert message.startswith(str(path))
    if line is not None:
        assert message.startswith(f"{path}:{line}:"), message
    assert words in message, message


def test_a_missing_file_says_so(tmp_path):
    with pytest.raises(RegistryError, match="cannot read"):
        load_registry(tmp_path / "nope.toml")
