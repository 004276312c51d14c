"""X (Twitter) post activity CSV, from analytics → Content → Export.

Two headers are in circulation; both are one format here:

- new (2024–): ``Post id, Date, Post text, Post Link, Impressions, Likes,
  Engagements, Bookmarks, Shares, New follows, Replies, Reposts, Profile visits,
  Detail Expands, URL Clicks, Hashtag Clicks, Permalink Clicks``
- legacy "tweet activity": ``Tweet id, Tweet permalink, Tweet text, time,
  impressions, engagements, engagement rate, retweets, replies, likes, user
  profile clicks, url clicks, hashtag clicks, detail expands, permalink clicks,
  …, media views, media engagements``

Required: the id (``Post id``/``Tweet id``), the date (``Date``/``time``),
``Impressions`` and ``Engagements`` (which keeps a Meta file with a "Post ID"
and a "Date" column from passing for an X file).

Mapping (the same as the X API collector's, PLATFORMS.md, so figures from an
export and from the API agree):

| format v1 | column |
|---|---|
| post_id | Post id / Tweet id |
| created_at | Date / time (a date alone is midnight in the import's time zone) |
| text, url | Post text / Tweet text, Post Link / Tweet permalink |
| impressions | Impressions |
| likes | Likes |
| comments | Replies |
| shares | Reposts / retweets + Quotes, only when the file has a Quotes column |
| clicks | URL Clicks |
| saves | Bookmarks |
| views | media views |

Shares, one meaning across sources (issue 11 item 3): the API's ``shares`` is
``retweet_count + quote_count`` (PLATFORMS.md, X mapping). Neither current header
has a Quotes column (PLATFORMS.md, Field notes: "X's current export has no Quotes
column"), so reposts alone would be a *lower* figure under the same name: an
export imported after the API would lower the post's shares. A file without
Quotes therefore does not report ``shares`` at all; DESIGN §4 then keeps the
latest snapshot that does (the API's), and the import answer lists the Reposts
column in ``unused_columns`` with a note saying why. An export-only post has no
shares figure (0 in totals); docs/decisions.md argues the choice.

Not counted: ``Engagements`` (X's own sum, which also counts detail expands,
profile and hashtag clicks — sada's engagements are DESIGN §4's), ``Shares``
(sends through the share sheet, which the API does not report either),
profile visits, detail expands, hashtag and permalink clicks, new follows.
All of them are named in the answer's ``unused_columns``.
"""

from __future__ import annotations

from services.collector.exports.layout import Conditional, Layout, plain

NO_QUOTES = (
    "{column} not used as shares: this file has no Quotes column, and X's shares are reposts + "
    "quotes (the API's meaning); the posts keep the shares the API last reported"
)

LAYOUT = Layout(
    platform="x",
    title="X post activity CSV",
    columns={
        "post_id": ("post id", "tweet id"),
        "created_at": ("date", "time"),
        "text": ("post text", "tweet text"),
        "url": ("post link", "tweet permalink"),
        **plain("engagements", "impressions", "likes", "replies"),
        "reposts": ("reposts", "retweets"),
        "quotes": ("quotes",),
        "url_clicks": ("url clicks",),
        "bookmarks": ("bookmarks",),
        "media_views": ("media views",),
    },
    required=("post_id", "created_at", "impressions", "engagements"),
    counters={
        **plain("impressions", "likes"),
        "comments": ("replies",),
        "shares": ("reposts", "quotes"),
        "clicks": ("url_clicks",),
        "saves": ("bookmarks",),
        "views": ("media_views",),
    },
    conditional=(Conditional("reposts", needs="quotes", note=NO_QUOTES),),
)
