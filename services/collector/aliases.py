"""LinkedIn's two names for one post: the activity URN of the page export, the API's post URN.

The page content export links a post as ``https://www.linkedin.com/feed/update/urn:li:activity:N``;
the REST API (and the LinkedIn poller) names the same post ``urn:li:share:M`` or
``urn:li:ugcPost:M``, with a different number (PLATFORMS.md, Field notes: "One post, several
ids"). sada's LinkedIn post id is the API's URN, so an export row is stored under it whenever
LinkedIn itself says which post an activity is. What LinkedIn says, and only that, fills this
table (activity URN → post URN); nothing is inferred from numbers, dates or texts.

- **Activities API** (learn.microsoft.com/linkedin/dma/content/activities and
  /linkedin/dma/pages-data-portability/content/activities): ``GET /rest/dmaActivities?ids=
  List(urn%3Ali%3Aactivity%3A…)`` is a Rest.li BATCH_GET that resolves each activity to its
  ``domainEntity`` (the share or ugcPost). Results are keyed by URN, unknown ones come under
  ``errors``; an activity type it does not serve answers HTTP 403 "Activity's verb type is not
  allowed from the ActivityFilter"; ``domainEntity`` is empty when the author opted out. It
  needs the ``r_dma_admin_pages_content`` scope on the token. sada sends the poller's headers
  (:func:`~services.collector.pollers.linkedin.api_headers`).
- **Compliance events** (learn.microsoft.com/linkedin/compliance/integrations/compliance-events/
  decoration-change-with-activityurn): an activity decorates to ``domainEntity``
  ``urn:li:share:…``, the URN "of the share" when the action was a share: the link is LinkedIn's.
- **Organisation social-action webhooks**: a delivery may name its post by activity
  (``sourcePost: urn:li:activity:N``) and decorate it with the post URN
  (``decoratedSourcePost.entity: urn:li:share:M``), as real COMMENT deliveries do; such a
  delivery teaches the table (:func:`from_notification`).

Only a share or ugcPost URN is taken as the answer: a comment or article ``domainEntity`` is not
a post the poller reads. The table is a small JSON file in the pollers' state directory, written
atomically and readable by its owner only; it holds URNs, never a token.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from yarl import URL

from services.collector import mapping
from services.collector.pollers.checkpoint import state_dir
from services.collector.pollers.linkedin import api_headers, current_token, restli
from shared.chunks import chunked
from shared.settings import LinkedInSettings, Settings

log = logging.getLogger("sada.collector.aliases")

ACTIVITY = re.compile(r"urn:li:activity:[0-9]+")
POST = re.compile(r"urn:li:(share|ugcPost):[0-9]+")
PATH = "dmaActivities"
BATCH = 50  # activities a call; keeps the URL short
# ``_`` cannot appear in an event slug, so this never meets a checkpoint (``<connector>-<event>``).
FILE = "linkedin_aliases.json"
TWICE = "if the LinkedIn poller also collects them they count twice"


def table_path(settings: Settings) -> Path:
    return state_dir(settings) / FILE


class AliasTable:
    """Activity URN → API post URN, as LinkedIn said; a JSON object in one file."""

    def __init__(self, path: Path):
        self.path = path
        self.links = self._load()

    def _load(self) -> dict[str, str]:
        try:
            loaded = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("alias table %s is unreadable (%s); LinkedIn will be asked again", self.path, exc)
            return {}
        links = mapping.as_dict(mapping.as_dict(loaded).get("links"))
        return {a: p for a, p in links.items() if ACTIVITY.fullmatch(a) and POST.fullmatch(str(p))}

    def learn(self, links: Mapping[str, str]) -> int:
        """Adds what is new (both URNs in their shapes) and saves; the number added."""
        new = {
            a: p
            for a, p in links.items()
            if ACTIVITY.fullmatch(a) and POST.fullmatch(p) and self.links.get(a) != p
        }
        if new:
            self.links.update(new)
            self.save()
        return len(new)

    def save(self) -> None:
        """Replaced atomically; the file is created owner-only (0600) before anything is written."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(descriptor, 0o600)  # an older temporary file keeps its mode through O_CREAT
        with os.fdopen(descriptor, "w", encoding="utf-8") as sink:
            json.dump({"version": 1, "links": self.links}, sink, sort_keys=True, separators=(",", ":"))
            sink.flush()
            os.fsync(sink.fileno())
        os.replace(temporary, self.path)


@dataclass
class Renamed:
    """An export's post ids → the ids to store them under, and what the import answer notes."""

    ids: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def from_notification(notification: object) -> dict[str, str]:
    """The link a webhook notification states: an activity ``sourcePost`` (or a comment's
    ``object``) decorated with the post's URN in ``decoratedSourcePost.entity``."""
    found = mapping.as_dict(notification)
    entity = mapping.as_dict(found.get("decoratedSourcePost")).get("entity")
    if not isinstance(entity, str) or not POST.fullmatch(entity):
        return {}
    comment = mapping.as_dict(mapping.as_dict(found.get("decoratedGeneratedActivity")).get("comment"))
    named = (found.get("sourcePost"), comment.get("object"))
    return {a: entity for a in named if isinstance(a, str) and ACTIVITY.fullmatch(a)}


def learn_from_delivery(settings: Settings, payload: object) -> int:
    """Every link a LinkedIn webhook delivery states, into the table."""
    links: dict[str, str] = {}
    for notification in mapping.as_list(mapping.as_dict(payload).get("notifications")):
        links.update(from_notification(notification))
    return AliasTable(table_path(settings)).learn(links) if links else 0


class Unresolved(RuntimeError):
    """The activities API did not answer; the message says why, for the import's note."""


async def ask(
    options: LinkedInSettings, token: str, session: aiohttp.ClientSession, urns: Sequence[str]
) -> dict:
    """One BATCH_GET of the activities API: its ``results`` and ``errors``, or :class:`Unresolved`."""
    listed = ",".join(restli(urn) for urn in urns)
    url = URL(f"{options.base_url.rstrip('/')}/{PATH}?ids=List({listed})", encoded=True)
    try:
        async with session.get(url, headers=api_headers(options, token)) as response:
            text = await response.text()
            status = response.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise Unresolved(f"sada could not reach the LinkedIn API ({type(exc).__name__})") from None
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if status == 200 and isinstance(body, dict):
        return body
    message = str(mapping.as_dict(body).get("message") or text[:200]).strip()
    raise Unresolved(f"the LinkedIn activities API answered {status}: {message}")


def linked_by(answer: dict, urns: Iterable[str]) -> tuple[dict[str, str], dict[str, str]]:
    """What an answer links (activity → post URN), and why each other activity is unlinked."""
    results = mapping.as_dict(answer.get("results"))
    errors = mapping.as_dict(answer.get("errors"))
    links, unlinked = {}, {}
    for urn in urns:
        entity = mapping.as_dict(results.get(urn)).get("domainEntity")
        if isinstance(entity, str) and POST.fullmatch(entity):
            links[urn] = entity
        elif urn in errors:
            error = mapping.as_dict(errors[urn])
            unlinked[urn] = f"the activities API answered {error.get('status', 'an error')} for them"
        elif isinstance(entity, str) and entity:
            kind = entity.split(":")[2] if entity.count(":") > 2 else entity
            unlinked[urn] = f"the activities API names a {kind} for them, not a post"
        else:
            unlinked[urn] = (
                "the activities API gave no post for them (it gives none when the author opted out)"
            )
    return links, unlinked


def note(count: int, why: str) -> str:
    posts = "post" if count == 1 else "posts"
    return f"{count} LinkedIn {posts} kept under their activity URN: {why}; {TWICE}"


async def rename_activities(
    settings: Settings, post_ids: Iterable[str], session: aiohttp.ClientSession | None = None
) -> Renamed:
    """Each activity URN among ``post_ids`` → its API post URN: the table first, then the
    activities API when a LinkedIn token is set. A failure of the API never raises: the
    activities it left unlinked keep their URN, and the note says why."""
    activities = sorted({p for p in post_ids if ACTIVITY.fullmatch(p)})
    table = AliasTable(table_path(settings))
    renamed = Renamed({a: table.links[a] for a in activities if a in table.links})
    missing = [a for a in activities if a not in renamed.ids]
    if not missing:
        return renamed
    options = settings.linkedin
    if not options.enabled():
        renamed.notes.append(
            note(
                len(missing),
                "nothing from the LinkedIn API links them to the API's post ids "
                f"(set {options.switch()} so sada can ask)",
            )
        )
        return renamed
    timeout = aiohttp.ClientTimeout(total=settings.polling.timeout_s)
    own = session is None
    session = session or aiohttp.ClientSession(timeout=timeout)
    reasons: dict[str, list[str]] = {}
    token = current_token(settings)
    try:
        for batch in chunked(missing, BATCH):
            try:
                links, unlinked = linked_by(await ask(options, token, session, batch), batch)
            except Unresolved as exc:
                links, unlinked = {}, dict.fromkeys(batch, str(exc))
            renamed.ids.update(links)
            table.learn(links)
            for urn, why in unlinked.items():
                reasons.setdefault(why, []).append(urn)
    finally:
        if own:
            await session.close()
    for why, urns in reasons.items():
        renamed.notes.append(
            note(len(urns), f"{why} ({', '.join(urns[:3])}{', …' if len(urns) > 3 else ''})")
        )
    return renamed
