"""A batch's changes to the rollups, computed from the prior state of only what it carries.

The rollups (``rollups`` table, migration 009) are sums of *pieces*, each owned by one
identity of DESIGN §3: a post record owns a ``posts`` piece at its ``created_at``, an
interaction a piece of its kind at its ``occurred_at`` on its post, a snapshot one piece per
counter it reports (its value minus the previous reporting snapshot's), and every stored
record a ``moment``. A batch changes the pieces of the identities it carries and, for
snapshots, of the next reporting snapshot after each one. So its delta is

    Σ pieces(new state of those identities) − Σ pieces(old state of those identities)

where the states are read through the raw tables' sort keys (the stored version of each
interaction id, the stored post row, the stored snapshots of a post from the batch's earliest
one on, and the latest reporting snapshot before it). The versions decide as
ReplacingMergeTree does: the highest ``version`` wins, and of equal versions the later written.
The proof that this is exact is in docs/decisions.md, "Rollups by delta".

Everything here is pure: :mod:`shared.rollups` reads the states and writes the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.events import COUNTERS
from shared.metrics import INTERACTION_KIND_OF

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
KIND_COUNTER = {kind: counter for counter, kind in INTERACTION_KIND_OF.items()}
# The summed columns of ``rollups``, in table order after (event, grain, platform, post_id, at).
VALUES = (
    "pieces",
    "posts",
    *COUNTERS,
    *(f"i_{c}" for c in INTERACTION_KIND_OF),
    *(f"r_{c}" for c in COUNTERS),
    *(f"a_{c}" for c in COUNTERS),
)
KEYS = ("event", "grain", "platform", "post_id", "at")
COLUMNS = (*KEYS, *VALUES)
_AT = {name: position for position, name in enumerate(VALUES)}
_PIECES = _AT["pieces"]
_COUNTER = [_AT[c] for c in COUNTERS]  # positions of each counter, of its r_ and a_ columns
_REPORTED = [_AT[f"r_{c}"] for c in COUNTERS]
_STEP = [_AT[f"a_{c}"] for c in COUNTERS]
Key = tuple[str, str, str, str, datetime]  # (event, grain, platform, post_id, at)
Post = tuple[str, str, str]  # (event, platform, post_id)


def utc(moment: datetime) -> datetime:
    """ClickHouse hands DateTime64 back naive (UTC); decoded records are aware."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def micros(moment: datetime) -> int:
    return (utc(moment) - EPOCH) // timedelta(microseconds=1)


@dataclass
class Deltas:
    """Summed changes per rollup row; rows whose changes cancel out are not written."""

    rows: dict[Key, list[int]] = field(default_factory=dict)

    def add(self, key: Key, sign: int, **values: int) -> None:
        row = self.row(key)
        for name, value in values.items():
            row[_AT[name]] += sign * value

    def add_vector(self, key: Key, vector: Sequence[int]) -> None:
        """Add a whole row of changes (already signed), in :data:`VALUES` order."""
        row = self.row(key)
        for position, value in enumerate(vector):
            if value:
                row[position] += value

    def row(self, key: Key) -> list[int]:
        """The changes of one rollup row, to add to in place (made of zeros when new)."""
        row = self.rows.get(key)
        if row is None:
            row = self.rows[key] = [0] * len(VALUES)
        return row

    def bucketed(self, post: Post, moment: datetime, sign: int, **values: int) -> None:
        """The same changes in the post's minute and hour of ``moment`` (UTC)."""
        event, platform, post_id = post
        moment = utc(moment)
        minute = moment.replace(second=0, microsecond=0)
        self.add((event, "minute", platform, post_id, minute), sign, **values)
        self.add((event, "hour", platform, post_id, minute.replace(minute=0)), sign, **values)

    def total(self, post: Post, sign: int, **values: int) -> None:
        event, platform, post_id = post
        self.add((event, "post", platform, post_id, EPOCH), sign, **values)

    def moment(self, event: str, moment: datetime, sign: int) -> None:
        self.add((event, "moment", "", "", utc(moment)), sign, pieces=1)

    def table_columns(self) -> list[Sequence[Any]]:
        """The rows to write (those whose changes do not all cancel out), column by column, in
        :data:`COLUMNS` order: an insert's cheaper shape."""
        kept = [(key, values) for key, values in self.rows.items() if any(values)]
        if not kept:
            return [[] for _ in COLUMNS]
        keys, values = zip(*kept, strict=True)
        return [*zip(*keys, strict=True), *zip(*values, strict=True)]


# --- posts -------------------------------------------------------------------------------------


def post_pieces(deltas: Deltas, post: Post, created_at: datetime | None, sign: int) -> None:
    """A stored post row's pieces: one post in the minute of ``created_at``, the post declared,
    and its moment. ``None``: no row."""
    if created_at is None:
        return
    deltas.bucketed(post, created_at, sign, pieces=1, posts=1)
    deltas.total(post, sign, posts=1)
    deltas.moment(post[0], created_at, sign)


# --- interactions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Placed:
    """An interaction's version as stored: where it counts."""

    post_id: str
    kind: str
    occurred_at: datetime
    version: int


def interaction_pieces(deltas: Deltas, event: str, platform: str, placed: Placed | None, sign: int) -> None:
    if placed is None:
        return
    column = f"i_{KIND_COUNTER[placed.kind]}"
    post = (event, platform, placed.post_id)
    deltas.bucketed(post, placed.occurred_at, sign, **{column: 1})
    deltas.total(post, sign, **{column: 1})
    deltas.moment(event, placed.occurred_at, sign)


def latest(stored: Placed | None, arriving: Iterable[Placed]) -> Placed | None:
    """The version ReplacingMergeTree keeps: the highest, the later written of equal ones."""
    kept = stored
    for placed in arriving:
        if kept is None or placed.version >= kept.version:
            kept = placed
    return kept


# --- snapshots ---------------------------------------------------------------------------------

Values = tuple[int | None, ...]  # the eight counters of a snapshot, None = not reported


@dataclass(frozen=True)
class Snapshot:
    observed_at: datetime
    values: Values
    version: int


Anchor = tuple[int, int] | None  # (observed_at in µs, value) of the latest reporting snapshot before


def snapshot_changes(
    deltas: Deltas,
    post: Post,
    stored: Sequence[Snapshot],
    arriving: Sequence[Snapshot],
    anchors: Sequence[Anchor],
) -> None:
    """The delta of a post's snapshots. ``stored``: its stored snapshots from the earliest
    ``arriving`` one on; ``anchors``: per counter, the latest stored snapshot reporting it before
    that. Every piece before the earliest arriving snapshot is unchanged, so the pieces from it
    on, old and new, are all that differ."""
    old = {utc(s.observed_at): s for s in stored}
    new = dict(old)
    for snapshot in arriving:
        at = utc(snapshot.observed_at)
        kept = new.get(at)
        if kept is None or snapshot.version >= kept.version:
            new[at] = snapshot
    for at in new.keys() - old.keys():
        deltas.moment(post[0], at, +1)
    for points, sign in ((old, -1), (new, +1)):
        _snapshot_pieces(deltas, post, points, anchors, sign)


def _snapshot_pieces(
    deltas: Deltas, post: Post, points: dict[datetime, Snapshot], anchors: Sequence[Anchor], sign: int
) -> None:
    """The pieces of one state of a post's snapshots: each snapshot's change of every counter it
    reports (its value minus the previous reporting snapshot's, the first one's previous being
    the counter's anchor), one piece per reported counter in the snapshot's minute and hour, and
    per counter on the post row the changes, the number of reporting snapshots and the steps of
    their ``observed_at`` (which sum to the latest one's). The changes are gathered per snapshot
    and added once to each of its rows, and once per post to the post row."""
    event, platform, post_id = post
    previous = [anchor if anchor is not None else (0, 0) for anchor in anchors]
    total = [0] * len(VALUES)
    for at in sorted(points):
        values = points[at].values
        changes: list[tuple[int, int]] = []  # (column position, signed change)
        stamp = micros(at)
        for index, value in enumerate(values):
            if value is None:
                continue
            previous_at, previous_value = previous[index]
            change = sign * (int(value) - previous_value)
            changes.append((_COUNTER[index], change))
            total[_COUNTER[index]] += change
            total[_REPORTED[index]] += sign
            total[_STEP[index]] += sign * (stamp - previous_at)
            previous[index] = (stamp, int(value))
        if changes:
            minute = at.replace(second=0, microsecond=0)
            for key in (
                (event, "minute", platform, post_id, minute),
                (event, "hour", platform, post_id, minute.replace(minute=0)),
            ):
                row = deltas.row(key)
                row[_PIECES] += sign * len(changes)
                for position, change in changes:
                    row[position] += change
    if any(total):
        deltas.add_vector((event, "post", platform, post_id, EPOCH), total)
