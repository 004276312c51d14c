"""Meta Business Suite post exports (Insights → Content → Export), Facebook and Instagram.

Both are CSV in UTF-8 with a BOM, and their columns drift more than any other
platform's (metrics are renamed as Meta deprecates them: impressions became
views in 2025). Both may carry a "Lifetime" row naming the period of the
figures instead of a post: a row whose post id is empty and one of whose
cells says "Lifetime" is reported as skipped, never stored.

Facebook: ``Post ID, Page ID, Page name, Title, Description, Duration (sec),
Publish time, Caption type, Permalink, Post type, …, Views, Reach, "Reactions,
Comments and Shares", Reactions, Comments, Shares, Total clicks, …``.
Required: ``Post ID``, ``Publish time``, ``Reactions``.

| format v1 | Facebook column |
|---|---|
| post_id | Page ID + ``_`` + Post ID, as the Graph API names a Page post (shared/identity.py) |
| created_at | Publish time (``10/26/2022 09:12``, month first, in the import's time zone) |
| text | Description, else Title |
| url, account | Permalink, Page name |
| media | Post type: Photos → image, Videos/Reels → video, Links → link, Albums → carousel, else text/live |
| impressions | Impressions (older exports) |
| reach, views | Reach, Views |
| likes | Reactions (every reaction, as the Graph API's reactions summary) |
| comments, shares | Comments, Shares |
| clicks | Total clicks |

Instagram: ``Post ID, Permalink, Publish time, Description, Duration (sec),
Reach, Views, Likes, Comments, Shares, Saves, Follows``.
Required: ``Post ID``, ``Publish time``, ``Likes``.

| format v1 | Instagram column |
|---|---|
| post_id | Post ID |
| created_at | Publish time |
| text, url, account | Description, Permalink, Account username |
| media | Post type: IG image → image, IG carousel → carousel, IG reel/IG video → video |
| impressions | Impressions (older exports) |
| reach, views | Reach, Views |
| likes, comments, shares, saves | Likes, Comments, Shares, Saves |

Impressions and views (Meta renamed its metrics in 2025; PLATFORMS.md, Field
notes: "Meta: impressions → views, 2025"). Since then both CSVs say ``Views``
where they said ``Impressions``; both columns are read, each into its own counter:

- ``Views`` → ``views``. Meta's Views count every time the content appears on a
  screen, repeats included, and a video's plays (they replace Impressions for
  photos, text and stories, and Plays for reels and videos:
  https://web.swipeinsight.app/posts/facebook-introduces-views-as-new-primary-metric-for-reels-videos-posts-and-stories-12695).
  The Graph API poller stores ``post_media_view`` (the API's name for the same
  figure) as ``views`` too, so a post's views mean one thing whatever the source.
- ``Impressions`` (exports made before the change) → ``impressions``, as the
  poller stores ``post_impressions``. Views are not impressions renamed: they
  count repeats, and Meta warns they run higher, so putting them in
  ``impressions`` would mix two definitions in Σ engagements / Σ impressions.
  A Meta post exported today therefore has no impressions, and its rate is
  ``by_views`` or ``by_reach``.

Not counted (named in the answer's ``unused_columns``): the combined
"Reactions, Comments and Shares" column (it would count each action twice),
follows, duration, watch time, link and other clicks (inside Total clicks).
"""

from __future__ import annotations

from services.collector.exports.layout import Layout, Row, plain


def _lifetime_row(row: Row) -> str | None:
    if row.text("post_id") is None and any(str(v).strip().lower() == "lifetime" for v in row.cells):
        return "Meta's 'Lifetime' row names the period of the figures; it is not a post"
    return None


def _post_columns(text: tuple[str, ...], account: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """The post's columns: both exports name them alike but for the text and the account."""
    return {
        "post_id": ("post id",),
        "created_at": ("publish time",),
        "text": text,
        "url": ("permalink",),
        "account": account,
        "media": ("post type",),
    }


FACEBOOK = Layout(
    platform="facebook",
    title="Meta Business Suite Facebook posts CSV",
    columns={
        **_post_columns(text=("description", "title"), account=("page name",)),
        "page_id": ("page id",),
        **plain("impressions", "reach", "views", "reactions", "comments", "shares"),
        "clicks": ("total clicks",),
    },
    required=("post_id", "created_at", "reactions"),
    counters={
        **plain("impressions", "reach", "views"),
        "likes": ("reactions",),
        **plain("comments", "shares", "clicks"),
    },
    media={
        "photos": "image",
        "photo": "image",
        "videos": "video",
        "video": "video",
        "reels": "video",
        "reel": "video",
        "links": "link",
        "link": "link",
        "text": "text",
        "status": "text",
        "live": "live",
        "albums": "carousel",
        "album": "carousel",
    },
    summary=_lifetime_row,
)

# Instagram's figures are each in the column of the format v1 counter's name.
INSTAGRAM_COUNTERS = ("impressions", "reach", "views", "likes", "comments", "shares", "saves")

INSTAGRAM = Layout(
    platform="instagram",
    title="Meta Business Suite Instagram posts CSV",
    columns={
        **_post_columns(text=("description",), account=("account username",)),
        **plain(*INSTAGRAM_COUNTERS),
    },
    required=("post_id", "created_at", "likes"),
    counters=plain(*INSTAGRAM_COUNTERS),
    media={"ig image": "image", "ig carousel": "carousel", "ig reel": "video", "ig video": "video"},
    summary=_lifetime_row,
)
