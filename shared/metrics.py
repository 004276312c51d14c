"""What the numbers mean (DESIGN §4), written once.

The constants here name every counter, which counters make an engagement and
which denominator each rate uses, with the sentence a report prints beside it.
The ClickHouse queries in ``shared/rollup_sql`` and ``services/reporter/sql``
implement the rules; ``tests/reference.py`` implements them again in plain
Python so tests can hold one against the other.
"""

from __future__ import annotations

from shared.events import COUNTERS

# counter in a snapshot -> the interaction kind that counts it when no snapshot reports it
INTERACTION_KIND_OF = {
    "likes": "like",
    "comments": "comment",
    "shares": "share",
    "clicks": "click",
    "saves": "save",
    "views": "view",
}
SNAPSHOT_ONLY = ("impressions", "reach")
ENGAGEMENT_COUNTERS = ("likes", "comments", "shares", "clicks", "saves")
# the same sum in ClickHouse: the rollups' ``engagements`` column (shared/migrations/006_engagements.py)
ENGAGEMENTS_SQL = " + ".join(ENGAGEMENT_COUNTERS)

# rate name -> denominator (a counter, or the post's followers)
RATES = {
    "by_impressions": "impressions",
    "by_reach": "reach",
    "by_views": "views",
    "by_followers": "followers",
}
RATE_FORMULAS = {
    name: f"Σ engagements / Σ {denominator} over posts with {denominator} > 0 "
    f"(engagements = {ENGAGEMENTS_SQL})"
    for name, denominator in RATES.items()
}
TOTAL_KEYS = ("posts", *COUNTERS, "engagements")
