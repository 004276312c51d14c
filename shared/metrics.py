"""What the numbers mean (DESIGN §4), written once.

The constants here name every counter, which counters make an engagement and
which denominator each rate uses, with the sentence a report prints beside it.
The ClickHouse queries in ``services/reporter/sql`` implement the same rules;
:func:`reference_summary` implements them again in plain Python so tests can
hold one against the other.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable

from shared.events import COUNTERS, Interaction, Mention, Metrics, Post, Record

# counter in a snapshot -> the interaction kind that counts it when no snapshot reports it
INTERACTION_KIND_OF = {"likes": "like", "comments": "comment", "shares": "share",
                       "clicks": "click", "saves": "save", "views": "view"}
SNAPSHOT_ONLY = ("impressions", "reach")
ENGAGEMENT_COUNTERS = ("likes", "comments", "shares", "clicks", "saves")

# rate name -> denominator (a counter, or the post's followers)
RATES = {"by_impressions": "impressions", "by_reach": "reach", "by_views": "views",
         "by_followers": "followers"}
RATE_FORMULAS = {
    name: f"Σ engagements / Σ {denominator} over posts with {denominator} > 0 "
          "(engagements = likes + comments + shares + clicks + saves)"
    for name, denominator in RATES.items()
}
TOTAL_KEYS = ("posts", *COUNTERS, "engagements")


def engagement_rates(sums: dict[str, dict[str, int]]) -> dict[str, float | None]:
    """Weighted rates: ``sums[name]`` holds Σ engagements and Σ denominator over
    the posts whose denominator is > 0; null where that denominator is 0."""
    return {name: (s["engagements"] / s["denominator"] if s["denominator"] else None)
            for name, s in sums.items()}


@dataclass
class _PostState:
    """What the reference implementation knows of one (platform, post_id)."""

    post: Post | None = None
    snapshots: dict[datetime, Metrics] = field(default_factory=dict)
    interactions: dict[str, str] = field(default_factory=dict)  # interaction_id -> kind

    def counter(self, name: str) -> int:
        reporting = [s for s in self.snapshots.values() if getattr(s, name) is not None]
        if reporting:
            return getattr(max(reporting, key=lambda s: s.observed_at), name)
        if name in SNAPSHOT_ONLY:
            return 0
        return sum(1 for kind in self.interactions.values() if kind == INTERACTION_KIND_OF[name])


def _figures(state: _PostState) -> dict[str, int]:
    values = {name: state.counter(name) for name in COUNTERS}
    values["engagements"] = sum(values[c] for c in ENGAGEMENT_COUNTERS)
    values["followers"] = (state.post.followers or 0) if state.post else 0
    values["declared"] = int(state.post is not None)
    return values


def _totals(figures: Iterable[dict[str, int]]) -> tuple[dict[str, int], dict[str, float | None]]:
    totals = dict.fromkeys(TOTAL_KEYS, 0)
    sums = {name: {"engagements": 0, "denominator": 0} for name in RATES}
    for values in figures:
        totals["posts"] += values["declared"]
        for name in (*COUNTERS, "engagements"):
            totals[name] += values[name]
        for rate, denominator in RATES.items():
            if values[denominator] > 0:
                sums[rate]["engagements"] += values["engagements"]
                sums[rate]["denominator"] += values[denominator]
    return totals, engagement_rates(sums)


def reference_post_figures(records: Iterable[Record], event: str) -> tuple[dict, dict[str, Mention]]:
    """Per-post figures of ``event`` — {(platform, post_id): counters, engagements,
    followers, declared} — and its mentions by normalised URL, from records in arrival order."""
    posts: dict[tuple[str, str], _PostState] = defaultdict(_PostState)
    mentions: dict[str, Mention] = {}
    interaction_owner: dict[tuple[str, str], tuple[str, str]] = {}
    for record in records:
        if record.event != event:
            continue
        if isinstance(record, Mention):
            mentions[record.normalised_url] = record
            continue
        key = (record.platform, record.post_id)
        if isinstance(record, Post):
            posts[key].post = record
        elif isinstance(record, Metrics):
            posts[key].snapshots[record.observed_at] = record
        elif isinstance(record, Interaction):
            identity = (record.platform, record.interaction_id)
            previous = interaction_owner.get(identity)
            if previous is not None:
                posts[previous].interactions.pop(record.interaction_id, None)
            interaction_owner[identity] = key
            posts[key].interactions[record.interaction_id] = record.kind
    return {key: _figures(state) for key, state in posts.items()}, mentions


def reference_summary(records: Iterable[Record], event: str, rejected: int = 0) -> dict:
    """The summary of DESIGN §5 for ``event``, computed from records in arrival order.

    ``top_posts`` is left out: its order among equal engagements is a choice of
    presentation, not of meaning; :func:`reference_post_figures` gives the
    per-post figures it shows.
    """
    figures, mentions = reference_post_figures(records, event)
    totals, rates = _totals(figures.values())
    platforms = {}
    for platform in sorted({p for p, _ in figures}):
        p_totals, p_rates = _totals(v for k, v in figures.items() if k[0] == platform)
        platforms[platform] = {"totals": p_totals, "engagement_rate": p_rates}
    return {
        "event": event,
        "totals": totals,
        "engagement_rate": rates,
        "platforms": platforms,
        "mentions": {
            "articles": len(mentions),
            "outlets": len({m.outlet for m in mentions.values() if m.outlet}),
            "countries": len({m.country for m in mentions.values() if m.country}),
        },
        "rejected": rejected,
    }
