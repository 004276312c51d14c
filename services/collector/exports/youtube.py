"""YouTube Studio "Table data.csv", from Analytics → Advanced mode → Export (Content tab).

Header: ``Content, Video title, Video publish time, Duration, Views, Engaged
views, Watch time (hours), …, Impressions, Impressions click-through rate (%),
Likes, Comments added, Shares, …`` (PLATFORMS.md, Native export files). Studio's
current export names the impressions columns ``Thumbnail impressions`` and
``Thumbnail impressions click-through rate (%)`` (PLATFORMS.md, Field notes:
"YouTube Studio's current export names impressions 'Thumbnail impressions'");
both names are read. The first data row is "Total" (the sum of
the others): it is reported as skipped, never stored, so nothing counts twice.

Required: ``Content`` (the video id), ``Video publish time``, ``Views``.

| format v1 | column |
|---|---|
| post_id | Content |
| created_at | Video publish time (``Oct 26, 2022``: midnight in the import's time zone) |
| text | Video title |
| url | ``https://www.youtube.com/watch?v=<Content>`` |
| media | ``video`` |
| views | Views |
| impressions | Thumbnail impressions, else Impressions (the same figure: how often a thumbnail was shown) |
| likes | Likes |
| comments | Comments added |
| shares | Shares |

Not counted (named in the answer's ``unused_columns``): engaged views, watch
time, the (thumbnail) impressions click-through rate (a ratio, not a counter: sada
computes its own rates from the counters), subscribers.
"""

from __future__ import annotations

from services.collector.exports.layout import Layout, Row, plain


def _total_row(row: Row) -> str | None:
    if (row.text("post_id") or "").lower() == "total":
        return "YouTube's 'Total' row sums the other rows; it is not a video"
    return None


def _watch_url(_: Row, post_id: str) -> str:
    return f"https://www.youtube.com/watch?v={post_id}"


LAYOUT = Layout(
    platform="youtube",
    title="YouTube Studio Table data.csv",
    columns={
        "post_id": ("content", "video"),
        "created_at": ("video publish time",),
        "text": ("video title",),
        "views": ("views",),
        "impressions": ("thumbnail impressions", "impressions"),
        "likes": ("likes",),
        "comments": ("comments added",),
        **plain("shares"),
    },
    required=("post_id", "created_at", "views"),
    counters=plain("views", "impressions", "likes", "comments", "shares"),
    fixed_media="video",
    summary=_total_row,
    url=_watch_url,
)
