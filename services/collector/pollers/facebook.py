"""Facebook Pages through the Graph API (PLATFORMS.md): the posts of watched Pages, their
reactions, comments and shares, and their insights.

- **Pages**: ``SADA_FACEBOOK_PAGES`` (ids, comma-separated), else the registry's
  ``accounts.facebook``. There is no keyword search on Facebook: a Page's post counts when it
  is about the event (``Poller.belongs``).
- **Find**: ``GET /{page}/posts?fields=…&since=<unix>&limit=100``, following ``paging.next``
  (kept in the checkpoint without its access token). The next pass asks ``since`` the newest
  post seen; the first one from 7 days before the event's start.
- **Figures**: ``GET /?ids=<≤50>&fields=shares,reactions.summary(true),comments.summary(true)``
  (one post at a time when the batch fails, forgetting posts Facebook no longer has) plus
  ``GET /{post}/insights`` with the metrics below, probed one by one (``meta.py``).
- **Reels** (PLATFORMS.md, Field notes, "Edges that miss content"): ``/{page}/posts`` does
  not return Reels, so each Page's ``GET /{page}/video_reels?fields=…&limit=50`` is read too,
  newest first until the newest reel of the previous pass (a reel is a Video node: ``id``,
  ``description``, ``created_time``, ``permalink_url`` relative to facebook.com, and its
  ``likes`` and ``comments`` edges). A reel's post id is ``{page-id}_{video-id}``, the form the
  Graph gives a Page's posts (shared/identity.py), so the Business Suite export's row of a reel
  (its Post ID with the Page ID) names the same post — assuming that export writes the reel's
  video id as its Post ID, which Meta does not document (docs/decisions.md). Figures:
  ``GET /?ids=…&fields=likes.summary(true),comments.summary(true)`` and
  ``GET /{video}/video_insights`` (``blue_reels_play_count`` → views,
  ``post_impressions_unique`` → reach), probed like the posts' insights.
- **Limits**: Meta's usage headers and throttling codes (``meta.py``).

| format v1 | Facebook |
|---|---|
| post_id, created_at, text, url | id, created_time, message (reels: description), permalink_url |
| account, author | the Page id, from.name |
| likes | reactions.summary.total_count (every reaction, as the export's "Reactions") |
| comments, shares | comments.summary.total_count, shares.count |
| views | insights post_media_view (since Nov 2025), else post_video_views |
| impressions | insights post_impressions (before Nov 2025) |
| reach | insights post_total_media_view_unique, else post_impressions_unique |
| clicks | insights post_clicks |
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

from yarl import URL

from services.collector import mapping
from services.collector.pollers.entries import Entry, entry
from services.collector.pollers.limits import ApiError, Blocked, PollError, Stopped
from services.collector.pollers.listing import Listing
from services.collector.pollers.meta import INVALID_PARAMETER, MetaPoller, counters_from
from services.collector.pollers.schedule import iso
from shared.chunks import chunked

POST_FIELDS = (
    "id,message,created_time,permalink_url,from,shares,"
    "reactions.summary(true).limit(0),comments.summary(true).limit(0)"
)
COUNT_FIELDS = "shares,reactions.summary(true).limit(0),comments.summary(true).limit(0)"
REEL_FIELDS = (
    "id,description,created_time,permalink_url,length,"
    "likes.summary(true).limit(0),comments.summary(true).limit(0)"
)
REEL_COUNT_FIELDS = "likes.summary(true).limit(0),comments.summary(true).limit(0)"
REEL_INSIGHTS = (("blue_reels_play_count", "views"), ("post_impressions_unique", "reach"))
INSIGHTS = (
    ("post_media_view", "views"),
    ("post_impressions", "impressions"),
    ("post_total_media_view_unique", "reach"),
    ("post_impressions_unique", "reach"),
    ("post_clicks", "clicks"),
    ("post_video_views", "views"),
)


def strip_token(url: str) -> str:
    """``paging.next`` carries the access token; the checkpoint must not."""
    parsed = URL(url)
    return str(parsed.with_query({k: v for k, v in parsed.query.items() if k != "access_token"}))


class FacebookPoller(
    MetaPoller, connector="facebook", options=lambda s: s.facebook, every=timedelta(minutes=5), batch=50
):
    def counts(self, post_id: str, obj: dict, observed: str) -> dict[str, Any]:
        return mapping.compact(
            {
                **self.base("metrics", post_id),
                "observed_at": observed,
                "likes": mapping.counter(
                    mapping.as_dict(mapping.as_dict(obj.get("reactions")).get("summary")).get("total_count")
                ),
                "comments": mapping.counter(
                    mapping.as_dict(mapping.as_dict(obj.get("comments")).get("summary")).get("total_count")
                ),
                "shares": mapping.counter(mapping.as_dict(obj.get("shares")).get("count")),
            }
        )

    def reel_counts(self, reel_id: str, obj: dict, observed: str) -> dict[str, Any]:
        def total(edge: str) -> int | None:
            return mapping.counter(
                mapping.as_dict(mapping.as_dict(obj.get(edge)).get("summary")).get("total_count")
            )

        return mapping.compact(
            {
                **self.base("metrics", reel_id),
                "observed_at": observed,
                "likes": total("likes"),
                "comments": total("comments"),
            }
        )

    def map_reel(self, page: str, item: object, observed: str) -> tuple[dict, dict]:
        if not isinstance(item, dict):
            raise mapping.Unmappable("", "a reel must be a JSON object")
        reel_id = f"{page}_{mapping.need_id(item, 'id')}"
        link = item.get("permalink_url")
        if isinstance(link, str) and link.startswith("/"):
            link = f"https://www.facebook.com{link}"
        post = mapping.compact(
            {
                **self.base("post", reel_id),
                "created_at": mapping.need_time(item.get("created_time"), "created_time"),
                "text": item.get("description") if isinstance(item.get("description"), str) else None,
                "url": link if isinstance(link, str) else None,
                "account": page,
                "media": "video",
            }
        )
        return post, self.reel_counts(reel_id, item, observed)

    def map_post(self, page: str, item: object, observed: str) -> tuple[dict, dict]:
        if not isinstance(item, dict):
            raise mapping.Unmappable("", "a post must be a JSON object")
        post_id = mapping.need_id(item, "id")
        post = mapping.compact(
            {
                **self.base("post", post_id),
                "created_at": mapping.need_time(item.get("created_time"), "created_time"),
                "text": item.get("message") if isinstance(item.get("message"), str) else None,
                "url": item.get("permalink_url") if isinstance(item.get("permalink_url"), str) else None,
                "account": page,
                "author": mapping.as_dict(item.get("from")).get("name"),
            }
        )
        return post, self.counts(post_id, item, observed)

    # -- discover ---------------------------------------------------------------------------

    async def discover(self) -> None:
        pages = self.accounts(self.settings.facebook.pages)
        if not pages:
            raise PollError("no Page to follow: set SADA_FACEBOOK_PAGES or the event's accounts.facebook")
        for page in pages:
            await self.guarded("page", f"Page {page}", self.read_page(page))
            await self.guarded("reels", f"Page {page} reels", self.read_reels(page))

    async def read_reels(self, page: str) -> None:
        key = f"reels:{page}"
        state = dict(self.checkpoint.cursors.get(key) or {})
        listing = Listing(state, self.since(), mapping.parse_time, iso)
        next_url = state.get("next")
        while True:
            if next_url:
                body = await self.get(next_url)
            else:
                body = await self.get(f"{self.url}/{page}/video_reels", fields=REEL_FIELDS, limit=50)
            observed = self.observed()
            entries = []
            for index, item in enumerate(mapping.as_list(body.get("data"))):
                mapped = partial(self.map_reel, page, item, observed)
                found = entry(f"data.{index}", item, mapped, extra={"kind": "reel"})
                created = mapping.parse_time((found.post or {}).get("created_at"))
                if listing.passed(created):
                    continue
                if found.post and not self.belongs(found.post.get("text"), created):
                    continue
                entries.append(found)
            following = mapping.as_dict(body.get("paging")).get("next")
            next_url = (
                strip_token(following)
                if isinstance(following, str) and body.get("data") and not listing.reached
                else None
            )
            await self.take(entries, {key: listing.cursor(bool(next_url), next=next_url)})
            if not next_url:
                return

    async def read_page(self, page: str) -> None:
        key = f"page:{page}"
        state = dict(self.checkpoint.cursors.get(key) or {})
        since = state.get("since") or int(self.since().timestamp())
        next_url, pending = state.get("next"), state.get("pending")
        while True:
            if next_url:
                body = await self.get(next_url)
            else:
                body = await self.get(f"{self.url}/{page}/posts", fields=POST_FIELDS, since=since, limit=100)
            observed = self.observed()
            entries = []
            for index, item in enumerate(mapping.as_list(body.get("data"))):
                found = entry(f"data.{index}", item, partial(self.map_post, page, item, observed))
                created = mapping.parse_time((found.post or {}).get("created_at"))
                if created is not None:
                    pending = max(pending or 0, int(created.timestamp()))
                if found.post and not self.belongs(found.post.get("text"), created):
                    continue
                entries.append(found)
            following = mapping.as_dict(body.get("paging")).get("next")
            next_url = strip_token(following) if isinstance(following, str) and body.get("data") else None
            cursor = (
                {"since": since, "next": next_url, "pending": pending}
                if next_url
                else {"since": max(pending or 0, since)}
            )
            await self.take(entries, {key: cursor})
            if not next_url:
                return

    # -- refresh ----------------------------------------------------------------------------

    async def counts_of(self, post_ids: list[str], fields: str = COUNT_FIELDS) -> dict[str, dict]:
        try:
            body = await self.get(f"{self.url}/", ids=",".join(post_ids), fields=fields)
            return {post_id: mapping.as_dict(body.get(post_id)) for post_id in post_ids if post_id in body}
        except ApiError as exc:
            if exc.code != INVALID_PARAMETER or len(post_ids) == 1:
                raise
        found, gone = {}, []
        for post_id in post_ids:  # one post Facebook no longer has fails the whole batch
            try:
                found[post_id] = await self.get(f"{self.url}/{post_id}", fields=fields)
            except ApiError as exc:
                if exc.code != INVALID_PARAMETER:
                    raise
                gone.append(post_id)
        self.forget(gone)
        return found

    async def refresh(self, post_ids: list[str]) -> list[Entry]:
        reels = [p for p in post_ids if self.checkpoint.posts.get(p, {}).get("kind") == "reel"]
        posts = [p for p in post_ids if p not in set(reels)]
        return await self.refresh_posts(posts) + await self.refresh_reels(reels)

    async def refresh_reels(self, reel_ids: list[str]) -> list[Entry]:
        """Figures of reels: asked by video id, published under the reel's post id."""
        entries = []
        for batch in chunked(reel_ids, self.refresh_batch):
            videos = {reel_id.rpartition("_")[2]: reel_id for reel_id in batch}
            counts = await self.counts_of(list(videos), REEL_COUNT_FIELDS)
            for video_id, obj in counts.items():
                reel_id = videos.get(video_id, video_id)
                observed = self.observed()
                try:
                    values = await self.insights(
                        video_id, [metric for metric, _ in REEL_INSIGHTS], scope="reel", edge="video_insights"
                    )
                except (Blocked, Stopped):
                    raise
                except PollError as exc:
                    self.fail("metric", f"insights of reel {reel_id}: {exc}")
                    values = {}
                metrics = {**self.reel_counts(reel_id, obj, observed), **counters_from(values, REEL_INSIGHTS)}
                entries.append(entry(reel_id, obj, partial(lambda m: (None, m), metrics)))
        return entries

    async def refresh_posts(self, post_ids: list[str]) -> list[Entry]:
        entries = []
        for batch in chunked(post_ids, self.refresh_batch):
            counts = await self.counts_of(batch)
            for post_id, obj in counts.items():
                observed = self.observed()
                try:
                    values = await self.insights(post_id, [metric for metric, _ in INSIGHTS])
                except (Blocked, Stopped):
                    raise
                except PollError as exc:
                    self.fail("metric", f"insights of {post_id}: {exc}")
                    values = {}
                metrics = {**self.counts(post_id, obj, observed), **counters_from(values, INSIGHTS)}
                entries.append(entry(post_id, obj, partial(lambda m: (None, m), metrics)))
        return entries
