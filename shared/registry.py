"""The event registry: which events exist, their names, time zone, agenda and what to track.

A TOML file (``SADA_EVENTS_FILE``) with one ``[[events]]`` table per event;
see ``services/demo/demo_events.toml``. An event the registry does not
know still works, in UTC, named by its slug.
"""

from __future__ import annotations

import re
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Literal, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from shared.events import EVENT_SLUG, PLATFORMS

Lang = Literal["ar", "fr", "en"]
LANGS: tuple[Lang, ...] = ("ar", "fr", "en")


class RegistryError(ValueError):
    """The registry file is wrong; the message names the file, the line and the field."""


class Session(BaseModel):
    """One slot of the agenda: a keynote, a panel, a workshop."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=64)
    start: datetime
    end: datetime
    titles: dict[Lang, str] = Field(min_length=1)
    room: str | None = None
    speakers: list[str] = Field(default_factory=list)

    @field_validator("start", "end", mode="before")
    @classmethod
    def _offset(cls, value: object) -> object:
        return _with_offset(value)

    @model_validator(mode="after")
    def _ordered(self) -> Session:
        _check_window(self.start, self.end)
        return self

    def title(self, lang: str) -> str:
        return self.titles.get(cast(Lang, lang)) or next(iter(self.titles.values()))

    def title_lang(self, lang: str) -> str:
        """The language :meth:`title` is written in."""
        return lang if lang in self.titles else next(iter(self.titles))


class Event(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: str = Field(pattern=EVENT_SLUG)
    names: dict[Lang, str] = Field(default_factory=dict)
    # Where it takes place ("Casablanca, Morocco"), per language like ``names``.
    places: dict[Lang, str] = Field(default_factory=dict)
    # The organiser's logo (PNG or JPEG) for the report's cover; a relative path is read from
    # the registry file's folder. Without one, the report takes SADA_REPORT_LOGO's, if set.
    logo: Path | None = None
    timezone: str = "UTC"
    start: datetime | None = None
    end: datetime | None = None
    hashtags: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    accounts: dict[str, list[str]] = Field(default_factory=dict)
    agenda: list[Session] = Field(default_factory=list)
    previous: str | None = Field(None, pattern=EVENT_SLUG)

    @field_validator("start", "end", mode="before")
    @classmethod
    def _offset(cls, value: object) -> object:
        return _with_offset(value)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {value!r} (like Africa/Casablanca)") from None
        return value

    @field_validator("accounts")
    @classmethod
    def _platforms(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = sorted(set(value) - set(PLATFORMS))
        if unknown:
            raise ValueError(f"unknown platform(s) {', '.join(unknown)}; expected {', '.join(PLATFORMS)}")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Event:
        if self.start and self.end:
            _check_window(self.start, self.end)
        ids = [s.id for s in self.agenda]
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        if duplicated:
            raise ValueError(f"agenda session ids must be unique: {', '.join(duplicated)}")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def name(self, lang: str) -> str:
        return self.names.get(cast(Lang, lang)) or self.names.get("en") or self.slug

    def name_lang(self, lang: str) -> str | None:
        """The language :meth:`name` is written in (``None``: the slug, no language)."""
        return lang if lang in self.names else "en" if "en" in self.names else None

    def place(self, lang: str) -> tuple[str, str] | None:
        """Where the event takes place, in ``lang`` or else another language, with that language."""
        for code in (lang, "en", *self.places):
            if code in self.places:
                return self.places[cast(Lang, code)], code
        return None


def _with_offset(value: object) -> object:
    """TOML gives a naive datetime (or a date) when the offset is left out: refuse it."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValueError("needs a date, a time and a UTC offset (like 2024-10-23T09:00:00+01:00)")
    return value


def _check_window(start: datetime, end: datetime) -> None:
    if end <= start:
        raise ValueError("end must come after start")


class Registry(BaseModel):
    events: dict[str, Event] = Field(default_factory=dict)

    def get(self, slug: str) -> Event:
        """The registered event, or a bare one (UTC, named by its slug) for an unknown slug."""
        return self.events.get(slug) or Event(slug=slug)


def load_registry(path: Path | None) -> Registry:
    """Read and check the registry; no path means an empty registry."""
    if path is None:
        return Registry()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RegistryError(f"{path}: cannot read the event registry: {exc.strerror}") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{path}: {exc}") from None
    tables = _table_lines(text)
    events: dict[str, Event] = {}
    for index, raw in enumerate(document.get("events", [])):
        line = tables["events"][index] if index < len(tables["events"]) else 0
        try:
            event = Event.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = "".join(f".{p}" if isinstance(p, str) else f"[{p}]" for p in first["loc"])
            if first["loc"][:1] == ("agenda",) and len(first["loc"]) > 1:
                agenda_lines = [n for n in tables["events.agenda"] if n > line]
                position = first["loc"][1]
                if isinstance(position, int) and position < len(agenda_lines):
                    line = agenda_lines[position]
            message = first["msg"].removeprefix("Value error, ")
            raise RegistryError(f"{path}:{line}: events[{index}]{where}: {message}") from None
        event = _logo_beside(event, path)
        if event.previous == event.slug:
            raise RegistryError(f"{path}:{line}: event {event.slug!r} names itself as its previous edition")
        if event.slug in events:
            raise RegistryError(f"{path}:{line}: event {event.slug!r} is declared twice")
        events[event.slug] = event
    unknown = {e.previous for e in events.values() if e.previous and e.previous not in events}
    for event in events.values():
        if event.previous in unknown:
            raise RegistryError(
                f"{path}: event {event.slug!r} names previous edition {event.previous!r}, "
                "which the registry does not declare"
            )
    return Registry(events=events)


def _logo_beside(event: Event, path: Path) -> Event:
    """A relative ``logo`` is read from the registry file's folder, wherever the command runs."""
    if event.logo is not None and not event.logo.is_absolute():
        return event.model_copy(update={"logo": path.parent / event.logo})
    return event


def _table_lines(text: str) -> dict[str, list[int]]:
    """Line numbers of ``[[events]]`` and ``[[events.agenda]]`` headers, to point at errors."""
    lines: dict[str, list[int]] = {"events": [], "events.agenda": []}
    for number, line in enumerate(text.splitlines(), start=1):
        match = re.match(r"\s*\[\[\s*([\w.]+)\s*\]\]", line)
        if match and match.group(1) in lines:
            lines[match.group(1)].append(number)
    return lines
