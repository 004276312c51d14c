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
| shares | Reposts / retweets, plus Quotes when the file has that column |
| clicks | URL Clicks |
| saves | Bookmarks |
| views | media views |

Not counted: ``Engagements`` (X's own sum, which also counts detail expands,
profile and hashtag clicks — sada's engagements are DESIGN §4's), ``Shares``
(sends through the share sheet, which the API does not report either),
profile visits, detail expands, hashtag and permalink clicks, new follows.
"""

from __future__ import annotations

from services.collector.exports.layout import Layout, plain

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
)
