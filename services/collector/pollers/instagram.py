"""Instagram through the Graph API (PLATFORMS.md): the event's hashtags and the tracked
professional accounts' own media, with insights for the latter.

- **Hashtags**: ``GET /ig_hashtag_search?user_id=…&q=<tag>`` once per tag (the id is kept in
  the checkpoint: an account may look up 30 distinct hashtags per 7 days), then
  ``GET /{hashtag-id}/recent_media?user_id=…&fields=…&limit=50`` following the ``after``
  cursor, asking only for the fields that edge returns (PLATFORMS.md, Field notes, "Edges that
  miss content": no ``username``, so a hashtag post has no account or author). Instagram
  gives no figures by id for other accounts' media, so a hashtag post's like and comment
  counts are read again whenever it shows up in ``recent_media`` and is due.
  ``user_id`` is ``SADA_INSTAGRAM_USER_ID``, else the first of ``accounts.instagram``.
- **Own media** (``accounts.instagram``): ``GET /{ig-user-id}/media?fields=…&limit=50``,
  newest first, until the newest media of the previous pass; those about the event
  (``Poller.belongs``) are followed with ``GET /{media-id}/insights?metric=views,reach,likes,
  comments,shares,saved``, probed one by one per media type (``meta.py``). An empty
  ``values`` list is "no data yet" (up to 48 h), never 0.

| format v1 | Instagram |
|---|---|
| post_id, created_at, text, url | id, timestamp, caption, permalink |
| account, author | username (own media only: the hashtag edge cannot return it) |
| media | IMAGE → image, VIDEO (and reels) → video, CAROUSEL_ALBUM → carousel |
| likes, comments | like_count, comments_count; insights likes, comments for own media |
| views, reach, shares, saves | insights views, reach, shares, saved (own media) |
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

from services.collector import mapping
from services.collector.pollers.entries import Entry, entry
from services.collector.pollers.facebook import strip_token
from services.collector.pollers.limits import Blocked, PollError, Stopped
from services.collector.pollers.listing import Listing
from services.collector.pollers.meta import MetaPoller, counters_from
from services.collector.pollers.schedule import iso

MEDIA_FIELDS = (
    "id,media_type,media_product_type,caption,permalink,timestamp,username,like_count,comments_count"
)
# What the hashtag edges return (ig-hashtag/recent-media: "You cannot request the username
# field"; asking for it, or another field the edge lacks, fails the whole call with code 100).
HASHTAG_FIELDS = "id,media_type,caption,permalink,timestamp,like_count,comments_count"
MEDIA_KINDS = {"IMAGE": "image", "VIDEO": "video", "REELS": "video", "CAROUSEL_ALBUM": "carousel"}
INSIGHTS = (
    ("views", "views"),
    ("reach", "reach"),
    ("likes", "likes"),
    ("comments", "comments"),
    ("shares", "shares"),
    ("saved", "saves"),
)


class InstagramPoller(
    MetaPoller, connector="instagram", options=lambda s: s.instagram, every=timedelta(minutes=5), batch=50
):
    @property
    def user_id(self) -> str | None:
        return self.settings.instagram.user_id or next(iter(self.accounts()), None)

    def map_media(self, item: object, observed: str) -> tuple[dict, dict | None]:
        if not isinstance(item, dict):
            raise mapping.Unmappable("", "a media must be a JSON object")
        media_id = mapping.need_id(item, "id")
        kind = (
            item.get("media_product_type")
            if item.get("media_product_type") == "REELS"
            else item.get("media_type")
        )
        post = mapping.compact(
            {
                **self.base("post", media_id),
                "created_at": mapping.need_time(item.get("timestamp"), "timestamp"),
                "text": item.get("caption") if isinstance(item.get("caption"), str) else None,
                "url": item.get("permalink") if isinstance(item.get("permalink"), str) else None,
                "account": item.get("username") if isinstance(item.get("username"), str) else None,
                "author": item.get("username") if isinstance(item.get("username"), str) else None,
                "media": MEDIA_KINDS.get(str(kind)),
            }
        )
        values = {
            "likes": mapping.counter(item.get("like_count")),
            "comments": mapping.counter(item.get("comments_count")),
        }
        return post, self.snapshot(media_id, observed, values)

    # -- discover ---------------------------------------------------------------------------

    async def discover(self) -> None:
        if not self.event.hashtags and not self.accounts():
            raise PollError(f"event {self.event.slug!r} has no hashtags or accounts.instagram to follow")
        if self.event.hashtags and not self.user_id:
            self.fail("hashtag", "hashtag search needs SADA_INSTAGRAM_USER_ID (or accounts.instagram)")
        elif self.user_id:
            for tag in self.event.hashtags:
                name = tag.strip().lstrip("#＃")
                if name:
                    await self.guarded("hashtag", f"#{name}", self.hashtag(name))
        for account in self.accounts():
            await self.guarded("media", f"account {account}", self.own_media(account))

    async def hashtag_id(self, name: str) -> str | None:
        ids = self.checkpoint.cursors.setdefault("hashtag_ids", {})
        if name not in ids:
            body = await self.get(f"{self.url}/ig_hashtag_search", user_id=self.user_id, q=name)
            found = mapping.as_dict((mapping.as_list(body.get("data")) or [{}])[0]).get("id")
            if not found:
                raise PollError(f"Instagram knows no hashtag #{name}")
            ids[name] = str(found)
            self.checkpoint.save()
        return ids[name]

    async def hashtag(self, name: str) -> None:
        hashtag_id = await self.hashtag_id(name)
        key = f"hashtag:{name}"
        after = mapping.as_dict(self.checkpoint.cursors.get(key)).get("after")
        while True:
            params: dict[str, Any] = {"user_id": self.user_id, "fields": HASHTAG_FIELDS, "limit": 50}
            if after:
                params["after"] = after
            body = await self.get(f"{self.url}/{hashtag_id}/recent_media", **params)
            observed = self.observed()
            entries = [
                entry(f"data.{i}", item, partial(self.map_media, item, observed), refreshable=False)
                for i, item in enumerate(mapping.as_list(body.get("data")))
            ]
            paging = mapping.as_dict(body.get("paging"))
            after = (
                mapping.as_dict(paging.get("cursors")).get("after")
                if paging.get("next") and body.get("data")
                else None
            )
            await self.take(entries, {key: {"after": after} if after else None})
            if not after:
                return

    async def own_media(self, account: str) -> None:
        key = f"media:{account}"
        state = dict(self.checkpoint.cursors.get(key) or {})
        listing = Listing(state, self.since(), mapping.parse_time, iso)
        next_url = state.get("next")
        while True:
            if next_url:
                body = await self.get(next_url)
            else:
                body = await self.get(f"{self.url}/{account}/media", fields=MEDIA_FIELDS, limit=50)
            observed = self.observed()
            entries = []
            for index, item in enumerate(mapping.as_list(body.get("data"))):
                kind = str(mapping.as_dict(item).get("media_type", ""))
                found = entry(
                    f"data.{index}",
                    item,
                    partial(self.map_media, item, observed),
                    extra={"type": kind} if kind else None,
                )
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

    # -- refresh (own media) ----------------------------------------------------------------

    async def refresh(self, post_ids: list[str]) -> list[Entry]:
        entries = []
        for media_id in post_ids:
            kind = str(self.checkpoint.posts.get(media_id, {}).get("type", ""))
            try:
                values = await self.insights(media_id, [metric for metric, _ in INSIGHTS], scope=kind)
            except (Blocked, Stopped):
                raise
            except PollError as exc:
                self.fail("metric", f"insights of {media_id}: {exc}")
                continue
            counters = counters_from(values, INSIGHTS)
            if counters:
                metrics = {**self.base("metrics", media_id), "observed_at": self.observed(), **counters}
                entries.append(entry(media_id, values, partial(lambda m: (None, m), metrics)))
        return entries
