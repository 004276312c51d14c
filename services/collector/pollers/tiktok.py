"""TikTok Display API (PLATFORMS.md): the authorised account's videos and their figures.

- **Account**: the one whose user access token is ``SADA_TIKTOK_TOKEN``. Its videos count when
  they are about the event (``Poller.belongs``). (Hashtag search needs the Research API,
  open to approved researchers only.)
- **Find**: ``POST /video/list/?fields=…`` with ``{"max_count": 20, "cursor": …}``, newest
  first, following ``data.cursor`` while ``data.has_more``, until the newest video of the
  previous pass (or 7 days before the event's start). A pass in progress keeps its cursor.
- **Figures**: ``POST /video/query/?fields=…`` with ``{"filters": {"video_ids": [≤20]}}``; a
  video no longer returned is no longer asked for.
- **Errors and limits**: every answer carries ``error.code`` (``ok`` or the reason); 600
  requests a minute, a 429 ``rate_limit_exceeded`` backs off exponentially.
- **Tokens** (PLATFORMS.md, Field notes, "Tokens expire"): a user access token lives 2 hours.
  With ``SADA_TIKTOK_CLIENT_KEY``, ``SADA_TIKTOK_CLIENT_SECRET`` and
  ``SADA_TIKTOK_REFRESH_TOKEN`` set, the poller renews it before it expires and when an answer
  is 401 / ``access_token_invalid``, and keeps the rotated refresh token after every use
  (:mod:`.tokens`). Without them, or when the refresh token itself is refused, the connector
  stops (:class:`~.limits.Stopped`) naming the variables to set.

| format v1 | TikTok |
|---|---|
| post_id, created_at | id, create_time (unix seconds) |
| text | title, else video_description |
| url, media | share_url, video |
| views, likes, comments, shares | view_count, like_count, comment_count, share_count |
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

from services.collector import mapping
from services.collector.pollers.checkpoint import state_dir
from services.collector.pollers.entries import Entry, entry
from services.collector.pollers.http import Response
from services.collector.pollers.limits import ApiError, Stopped
from services.collector.pollers.listing import Listing, as_stored
from services.collector.pollers.poller import Poller
from services.collector.pollers.tokens import Grant, Renewal, read_grant
from shared.settings import revealed

LIST_FIELDS = (
    "id,create_time,title,video_description,share_url,view_count,like_count,comment_count,share_count"
)
QUERY_FIELDS = "id,view_count,like_count,comment_count,share_count"
PAGE = 20
# The answers that say the access token is no longer good (HTTP 401 carries one of them).
TOKEN_REFUSED = {"access_token_invalid", "access_token_expired"}
RENEW = (
    "authorise the app again and set SADA_TIKTOK_REFRESH_TOKEN (with SADA_TIKTOK_CLIENT_KEY and "
    "SADA_TIKTOK_CLIENT_SECRET) to renew access tokens by themselves, or set SADA_TIKTOK_TOKEN anew"
)


class TikTokPoller(
    Poller, connector="tiktok", options=lambda s: s.tiktok, every=timedelta(minutes=5), batch=20
):
    _renewal: Renewal | None = None

    def rate_limit_wait(self, response: Response) -> float | None:
        code = mapping.as_dict(mapping.as_dict(response.json()).get("error")).get("code")
        if response.status != 429 and code != "rate_limit_exceeded":
            return None
        return self.retry_after(response) or self.backoff(f"{response.status} {code or ''}".strip())

    # -- the access token --------------------------------------------------------------------

    @property
    def renewal(self) -> Renewal:
        """The connector's token state (one file for every event's poller)."""
        if self._renewal is None:
            options = self.settings.tiktok
            refresh = revealed(options.refresh_token) if options.renewable() else ""
            self._renewal = Renewal(
                "tiktok",
                state_dir(self.settings) / "tiktok-token.json",
                self.token,
                refresh,
                self.exchange,
                self.clock,
            )
        return self._renewal

    async def exchange(self, refresh_token: str) -> Grant:
        """TikTok's refresh call: form-encoded, answers a new access and refresh token."""
        options = self.settings.tiktok
        response = await self.request(
            "POST",
            options.token_url,
            form={
                "client_key": options.client_key,
                "client_secret": revealed(options.client_secret),
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
            },
            headers={"Cache-Control": "no-cache"},
        )
        return read_grant(response.json(), self.clock(), "TikTok", RENEW)

    # -- calls --------------------------------------------------------------------------------

    async def call(self, path: str, fields: str, body: dict[str, Any]) -> dict[str, Any]:
        """One Display API call; a refused access token is renewed once and the call repeated."""
        renewed = False
        while True:
            token = await self.renewal.token()
            response = await self.request(
                "POST",
                f"{self.url}/{path}",
                params={"fields": fields},
                body=body,
                headers={"Authorization": f"Bearer {token}"},
            )
            answer = mapping.as_dict(response.json())
            error = mapping.as_dict(answer.get("error"))
            code = error.get("code", "ok")
            if response.status == 200 and code == "ok":
                return mapping.as_dict(answer.get("data"))
            if response.status == 401 or code in TOKEN_REFUSED:
                if self.renewal.renewable and not renewed:
                    await self.renewal.renew(token)
                    renewed = True
                    continue
                raise Stopped(f"the TikTok access token was refused (HTTP {response.status} {code})", RENEW)
            raise ApiError(
                response.status, str(error.get("message") or code or response.text[:200]), error.get("code")
            )

    def figures(self, video: dict, observed: str) -> dict | None:
        values = {
            "views": mapping.counter(video.get("view_count")),
            "likes": mapping.counter(video.get("like_count")),
            "comments": mapping.counter(video.get("comment_count")),
            "shares": mapping.counter(video.get("share_count")),
        }
        if all(v is None for v in values.values()):
            return None
        return mapping.compact(
            {**self.base("metrics", mapping.need_id(video, "id")), "observed_at": observed, **values}
        )

    def map_video(self, video: object, observed: str) -> tuple[dict, dict | None]:
        if not isinstance(video, dict):
            raise mapping.Unmappable("", "a video must be a JSON object")
        video_id = mapping.need_id(video, "id")
        texts = [video.get(key) for key in ("title", "video_description")]
        post = mapping.compact(
            {
                **self.base("post", video_id),
                "created_at": mapping.need_time(video.get("create_time"), "create_time", unix=True),
                "text": next((t for t in texts if isinstance(t, str) and t), None),
                "url": video.get("share_url") if isinstance(video.get("share_url"), str) else None,
                "media": "video",
            }
        )
        return post, self.figures(video, observed)

    async def discover(self) -> None:
        key = "videos"
        state = dict(self.checkpoint.cursors.get(key) or {})
        listing = Listing(state, int(self.since().timestamp()), as_stored, as_stored)
        cursor = state.get("cursor")
        while True:
            data = await self.call(
                "video/list/",
                LIST_FIELDS,
                {"max_count": PAGE, **({"cursor": cursor} if cursor is not None else {})},
            )
            observed = self.observed()
            entries = []
            for index, video in enumerate(mapping.as_list(data.get("videos"))):
                found = entry(f"data.videos.{index}", video, partial(self.map_video, video, observed))
                created = mapping.unix_time(mapping.as_dict(video).get("create_time"))
                if created is not None and listing.passed(int(created.timestamp())):
                    continue
                if found.post and not self.belongs(found.post.get("text"), created):
                    continue
                entries.append(found)
            more = bool(data.get("has_more")) and not listing.reached and data.get("cursor") is not None
            cursor = data.get("cursor") if more else None
            await self.take(entries, {key: listing.cursor(more, cursor=cursor)})
            if not more:
                return

    async def refresh(self, post_ids: list[str]) -> list[Entry]:
        data = await self.call("video/query/", QUERY_FIELDS, {"filters": {"video_ids": post_ids}})
        observed = self.observed()

        def snapshot(video: object) -> tuple[None, dict | None]:
            return None, self.figures(mapping.as_dict(video), observed)

        videos = mapping.as_list(data.get("videos"))
        entries = [entry(f"data.videos.{i}", v, partial(snapshot, v)) for i, v in enumerate(videos)]
        returned = {str(mapping.as_dict(video).get("id")) for video in videos}
        self.forget(p for p in post_ids if p not in returned)
        return entries
