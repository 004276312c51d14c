"""The figures of DESIGN §4 computed again in plain Python, from records in arrival order:
what the tests hold the ClickHouse implementation (shared/rollup_sql, services/reporter/sql)
against. A helper module for the tests, not a test module."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from shared.events import COUNTERS, Interaction, Mention, Metrics, Post, Record
from shared.metrics import ENGAGEMENT_COUNTERS, INTERACTION_KIND_OF, RATES, SNAPSHOT_ONLY, TOTAL_KEYS


def engagement_rates(sums: dict[str, dict[str, int]]) -> dict[str, float | None]:
    """Weighted rates: ``sums[name]`` holds Σ engagements and Σ denominator over
    the posts whose denominator is > 0; null where that denominator is 0."""
    return {
        name: (s["engagements"] / s["denominator"] if s["denominator"] else None) for name, s in sums.items()
    }


@dataclass
class _PostState:
    """What the reference implementation knows of one (platform, post_id)."""

    post: Post | None = None
    snapshots: dict[datetime, Metrics] = field(default_factory=dict)
    interactions: dict[str, Interaction] = field(default_factory=dict)  # by interaction_id

    def counter(self, name: str) -> int:
        reporting = [s for s in self.snapshots.values() if getattr(s, name) is not None]
        if reporting:
            return getattr(max(reporting, key=lambda s: s.observed_at), name)
        if name in SNAPSHOT_ONLY:
            return 0
        return sum(1 for i in self.interactions.values() if i.kind == INTERACTION_KIND_OF[name])


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


# A post's fields that a record which does not know them (null, "", no tags) leaves as they were.
_KEPT = ("account", "author", "text", "lang", "hashtags", "url", "media", "followers")


def _merged(known: Post | None, record: Post) -> Post:
    """``record`` arriving after ``known`` (the tests send one source kind, so arrival order is
    version order): a field it does not know keeps the earlier value, and a day-precise
    ``created_at`` never replaces an exact one (docs/decisions.md, the merge rule)."""
    if known is None:
        return record
    kept = {name: getattr(known, name) for name in _KEPT if getattr(record, name) in (None, "", [])}
    if record.created_precision == "day" and known.created_precision is None:
        kept.update(created_at=known.created_at, created_precision=None)
    return record.model_copy(update=kept)


def _states(
    records: Iterable[Record], event: str
) -> tuple[dict[tuple[str, str], _PostState], dict[str, Mention]]:
    """Everything known of each post of ``event``, and its mentions, applying identity
    rules (DESIGN §3) to records in arrival order: the latest version wins (for a post, field by
    field: what a later record does not know, it does not erase)."""
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
            posts[key].post = _merged(posts[key].post, record)
        elif isinstance(record, Metrics):
            posts[key].snapshots[record.observed_at] = record
        elif isinstance(record, Interaction):
            identity = (record.platform, record.interaction_id)
            previous = interaction_owner.get(identity)
            if previous is not None:
                posts[previous].interactions.pop(record.interaction_id, None)
            interaction_owner[identity] = key
            posts[key].interactions[record.interaction_id] = record
    return posts, mentions


def reference_post_figures(records: Iterable[Record], event: str) -> tuple[dict, dict[str, Mention]]:
    """Per-post figures of ``event`` — {(platform, post_id): counters, engagements,
    followers, declared} — and its mentions by normalised URL."""
    posts, mentions = _states(records, event)
    return {key: _figures(state) for key, state in posts.items()}, mentions


def _changes(state: _PostState) -> Iterable[tuple[datetime, str, int]]:
    """(moment, counter, change) of one post: the pieces a time series adds up."""
    if state.post is not None:
        yield state.post.created_at, "posts", 1
    for name in COUNTERS:
        reporting = sorted(
            (s for s in state.snapshots.values() if getattr(s, name) is not None), key=lambda s: s.observed_at
        )
        previous = 0
        for snapshot in reporting:
            yield snapshot.observed_at, name, getattr(snapshot, name) - previous
            previous = getattr(snapshot, name)
        if not reporting and name not in SNAPSHOT_ONLY:
            for interaction in state.interactions.values():
                if interaction.kind == INTERACTION_KIND_OF[name]:
                    yield interaction.occurred_at, name, 1


def bucket_start(moment: datetime, bucket: str, zone: ZoneInfo) -> datetime:
    """The start of the minute, hour or day holding ``moment``, on the clock of ``zone``."""
    local = moment.astimezone(zone)
    if bucket == "minute":
        start = local.replace(second=0, microsecond=0)
    elif bucket == "hour":
        start = local.replace(minute=0, second=0, microsecond=0)
    elif bucket == "day":
        start = local.replace(hour=0, minute=0, second=0, microsecond=0, fold=0)
    else:
        raise ValueError(f"unknown bucket {bucket!r}; expected minute, hour or day")
    return start.astimezone(zone)


def reference_series(
    records: Iterable[Record], event: str, bucket: str, zone: ZoneInfo, platform: str | None = None
) -> list[dict]:
    """The time series of DESIGN §4: per bucket and platform, counter changes, posts and
    rates; a bucket's rate divides its engagement changes by its denominator changes
    over posts whose total denominator is > 0 (followers: of the posts whose
    engagements changed in the bucket)."""
    posts, _ = _states(records, event)
    per_post: dict[tuple[int, str, str], dict[str, int]] = {}
    for (post_platform, post_id), state in posts.items():
        if platform and post_platform != platform:
            continue
        for moment, name, change in _changes(state):
            start = int(bucket_start(moment, bucket, zone).timestamp())
            row = per_post.setdefault((start, post_platform, post_id), dict.fromkeys(("posts", *COUNTERS), 0))
            row[name] += change
    totals = {key: _figures(state) for key, state in posts.items()}
    rows: dict[tuple[int, str], dict] = {}
    for (start, post_platform, post_id), changes in per_post.items():
        total = totals[(post_platform, post_id)]
        engagements = sum(changes[c] for c in ENGAGEMENT_COUNTERS)
        row = rows.setdefault(
            (start, post_platform),
            {
                **dict.fromkeys(("posts", *COUNTERS, "engagements"), 0),
                "sums": {name: {"engagements": 0, "denominator": 0} for name in RATES},
            },
        )
        for name in ("posts", *COUNTERS):
            row[name] += changes[name]
        row["engagements"] += engagements
        for rate, denominator in RATES.items():
            if total[denominator] > 0:
                row["sums"][rate]["engagements"] += engagements
                if denominator == "followers":
                    row["sums"][rate]["denominator"] += total["followers"] if engagements else 0
                else:
                    row["sums"][rate]["denominator"] += changes[denominator]
    series = []
    for (start, post_platform), row in sorted(rows.items()):
        sums = row.pop("sums")
        rates = {
            name: (s["engagements"] / s["denominator"] if s["denominator"] > 0 else None)
            for name, s in sums.items()
        }
        series.append(
            {
                "bucket": datetime.fromtimestamp(start, zone).isoformat(),
                "platform": post_platform,
                **row,
                "engagement_rate": rates,
            }
        )
    return series


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
