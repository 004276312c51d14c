"""LinkedIn Page content export (Page analytics → Content → Export), XLS or XLSX.

The workbook's sheet "All posts" opens with a line or two of description; the
header row is found by its names, wherever it is (within the first rows).
Header: ``Post title, Post link, Post type, Campaign name, Posted by, Created
date, …, Audience, Impressions, Views, Offsite Views, Clicks, Click through
rate (CTR), Likes, Comments, Reposts, Follows, Engagement rate, Content Type``
(PLATFORMS.md, Native export files). The current export says ``Views (excluding
offsite video views)`` where it said ``Views`` (PLATFORMS.md, Field notes); both are
read, the new name first.

Required: ``Post link``, ``Created date``, ``Impressions``.

The export has no post id column. The post id is the URN in the post link
(``https://www.linkedin.com/feed/update/urn:li:activity:7…`` →
``urn:li:activity:7…``), or the link itself when it holds no URN.

| format v1 | column |
|---|---|
| post_id, url | Post link |
| created_at | Created date (``10/26/2022``, month first, in the import's time zone) |
| text, author | Post title, Posted by |
| media | Content Type: Image/Video/Text → same, Article/Link → link, Document/Carousel → carousel |
| impressions | Impressions |
| views | Views (excluding offsite video views), else Views: video views on LinkedIn |
| clicks | Clicks |
| likes | Likes |
| comments | Comments |
| shares | Reposts |

Not counted (named in the answer's ``unused_columns``): Offsite Views (views of
the video embedded off LinkedIn, which no other source of a LinkedIn post
counts), follows, CTR and LinkedIn's engagement rate (sada
recomputes it as DESIGN §4 says: (clicks + likes + comments + shares) /
impressions, the same formula LinkedIn uses).
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from services.collector.exports.layout import Layout, Row, plain

URN = re.compile(r"urn:li:[A-Za-z]+:[A-Za-z0-9_-]+")


def _post_id(row: Row) -> str | None:
    link = row.text("url")
    if link is None:
        return None
    found = URN.search(unquote(link))
    return found.group(0) if found else link


LAYOUT = Layout(
    platform="linkedin",
    title="LinkedIn page content export",
    columns={
        "url": ("post link",),
        "created_at": ("created date",),
        "text": ("post title",),
        "author": ("posted by",),
        "media": ("content type",),
        "views": ("views (excluding offsite video views)", "views"),
        **plain("impressions", "clicks", "likes", "comments", "reposts"),
    },
    required=("url", "created_at", "impressions"),
    counters={**plain("impressions", "views", "clicks", "likes", "comments"), "shares": ("reposts",)},
    media={
        "image": "image",
        "video": "video",
        "article": "link",
        "link": "link",
        "text": "text",
        "document": "carousel",
        "carousel": "carousel",
    },
    id_field="url",
    post_id=_post_id,
)
