"""YouTube Data API v3 (PLATFORMS.md): search for the event's videos, figures by id.

- **Find**: ``GET /search?part=snippet&type=video&order=date&publishedAfter=…`` with
  ``q=<hashtags and keywords joined by |>``, and one search per tracked channel
  (``channelId``, the registry's ``accounts.youtube``), 50 per page, following
  ``nextPageToken``; the new ids go to ``GET /videos?part=statistics,snippet,liveStreamingDetails``
  for the post and its first snapshot. A search's next pass asks for videos published after
  the newest one seen; a pass in progress keeps its ``pageToken`` in the checkpoint.
- **Figures**: ``GET /videos`` again, 50 ids per call; a video that is no longer returned
  (deleted, made private) is no longer asked for.
- **Quota** (PLATFORMS.md, Field notes, "Quotas"; developers.google.com/youtube/v3/
  determine_quota_cost, checked 2026-12): ``search.list`` has its own bucket, 100 calls a day
  by default (``SADA_YOUTUBE_SEARCH_CALLS_PER_DAY``), apart from the 10,000 units a day of the
  other methods (``videos.list`` costs 1). Both reset at midnight Pacific time. The calls are
  counted per connector in ``<state dir>/youtube-quota.json`` (every event's poller shares the
  project's quota). A spent search bucket (counted, or a ``403 quotaExceeded`` on a search)
  stops the *searches* only (:class:`~.limits.Stopped`, ``scope="search"``, until the reset):
  the figures go on through ``videos.list``. A ``quotaExceeded`` on ``videos.list`` blocks the
  connector until the reset; ``rateLimitExceeded`` and 429 back off exponentially.
- **Search cadence**: the search calls left today are spread over the rest of the day
  (:meth:`YouTubePoller.search_interval`), never more often than every 5 minutes; the figures
  follow the refresh schedule.
- Counts are strings in the API; a count YouTube hides (likes on some videos) is "not reported".

| format v1 | YouTube |
|---|---|
| post_id, created_at | id, snippet.publishedAt |
| text | snippet.title and snippet.description |
| account, author | snippet.channelId, snippet.channelTitle |
| lang | snippet.defaultAudioLanguage, else defaultLanguage |
| url, media | ``https://www.youtube.com/watch?v=<id>``, live (a live stream) or video |
| views, likes, comments | statistics.viewCount, likeCount, commentCount (favoriteCount is always 0) |
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from services.collector import mapping
from services.collector.mapping import parse_time
from services.collector.pollers.checkpoint import state_dir
from services.collector.pollers.entries import Entry, entry
from services.collector.pollers.http import Response
from services.collector.pollers.limits import ApiError, PollError, Stopped
from services.collector.pollers.poller import Poller
from services.collector.pollers.schedule import iso
from services.collector.pollers.tokens import StateFile
from shared.chunks import chunked

QUOTA_ZONE = ZoneInfo("America/Los_Angeles")
VIDEOS_COST = 1  # units of the 10,000 a day; a search is one call of its own bucket
FIRST_LOOKBACK = timedelta(days=7)
QUOTA_REASONS = {"quotaExceeded", "dailyLimitExceeded"}


def next_quota_reset(now: datetime) -> datetime:
    """YouTube's daily quota resets at midnight Pacific time."""
    local = now.astimezone(QUOTA_ZONE)
    return datetime.combine(local.date() + timedelta(days=1), time(0), QUOTA_ZONE)


def search_terms(hashtags: list[str], keywords: list[str]) -> str:
    terms = [tag.strip() for tag in hashtags if tag.strip()]
    terms += [f'"{k.strip()}"' if " " in k.strip() else k.strip() for k in keywords if k.strip()]
    return "|".join(dict.fromkeys(terms))


def reasons_of(response: Response) -> set[str]:
    error = mapping.as_dict(mapping.as_dict(response.json()).get("error"))
    return {str(mapping.as_dict(e).get("reason")) for e in mapping.as_list(error.get("errors"))}


class YouTubePoller(
    Poller, connector="youtube", options=lambda s: s.youtube, every=timedelta(minutes=5), batch=50
):
    _searching = False  # a search.list call is under way: its quota is its own

    # -- quota and errors -------------------------------------------------------------------

    @property
    def quota_file(self) -> StateFile:
        return StateFile(state_dir(self.settings) / "youtube-quota.json")

    def quota(self) -> dict[str, Any]:
        """Today's use (Pacific day): ``units`` (videos.list…), ``searches``, and
        ``search_spent_until`` once YouTube refused a search."""
        day = self.clock().astimezone(QUOTA_ZONE).date().isoformat()
        quota = self.quota_file.read()
        if quota.get("day") != day:
            quota = {"day": day, "units": 0, "searches": 0}
        return quota

    def spend(self, units: int = 0, searches: int = 0, spent: bool = False) -> None:
        quota = self.quota()
        quota["units"] = int(quota.get("units", 0)) + units
        quota["searches"] = int(quota.get("searches", 0)) + searches
        if spent:
            quota["search_spent_until"] = iso(next_quota_reset(self.clock()))
        self.quota_file.write(quota)

    def searches_left(self) -> int:
        quota = self.quota()
        spent = parse_time(quota.get("search_spent_until"))
        if spent is not None and self.clock() < spent:
            return 0
        return max(0, self.settings.youtube.search_calls_per_day - int(quota.get("searches", 0)))

    def search_spent(self, why: str) -> Stopped:
        reset = next_quota_reset(self.clock())
        return Stopped(
            f"the YouTube search quota is spent ({why}); video figures go on",
            f"searches resume at {iso(reset)} (midnight Pacific time); set "
            "SADA_YOUTUBE_SEARCH_CALLS_PER_DAY to the quota Google granted the project if it is more",
            scope="search",
            until=reset,
        )

    def search_interval(self) -> timedelta:
        """How often to search so the calls left today last until the reset: the time left
        divided by the passes left (each pass costs a call per search), at least
        ``discover_every``."""
        now = self.clock()
        per_pass = max(1, len(self.searches()))
        passes = self.searches_left() // per_pass
        until_reset = next_quota_reset(now) - now
        if passes <= 0:
            return until_reset
        return max(self.discover_every, until_reset / passes)

    def discovery_due(self) -> bool:
        last = parse_time(self.checkpoint.data.get("discovered_at"))
        if self.searches_left() < max(1, len(self.searches())):
            return False  # not a full pass left today: figures only, until the reset
        return last is None or self.clock() - last >= self.search_interval()

    def rate_limit_wait(self, response: Response) -> float | None:
        if response.status not in (403, 429):
            return None
        reasons = reasons_of(response)
        if reasons & QUOTA_REASONS and self._searching:
            return None  # the search bucket: read by search(), the other calls go on
        if reasons & QUOTA_REASONS:
            self.limit.last_signal = "403 quotaExceeded"
            self.limit.remaining = None
            self.limit.reset_at = next_quota_reset(self.clock())
            return (self.limit.reset_at - self.clock()).total_seconds()
        if response.status == 429 or reasons & {"rateLimitExceeded", "userRateLimitExceeded"}:
            return self.retry_after(response) or self.backoff(f"{response.status} rateLimitExceeded")
        return None

    @staticmethod
    def check(response: Response) -> dict[str, Any]:
        body = response.json()
        if response.status == 200 and isinstance(body, dict):
            return body
        error = mapping.as_dict(mapping.as_dict(body).get("error"))
        reason = mapping.as_dict((mapping.as_list(error.get("errors")) or [{}])[0]).get("reason")
        raise ApiError(response.status, str(error.get("message") or reason or response.text[:200]), reason)

    # -- mapping ----------------------------------------------------------------------------

    def map_video(self, item: object, observed: str) -> tuple[dict, dict | None]:
        if not isinstance(item, dict):
            raise mapping.Unmappable("", "a video must be a JSON object")
        video_id = mapping.need_id(item, "id")
        snippet = mapping.as_dict(item.get("snippet"))
        created = mapping.need_time(snippet.get("publishedAt"), "snippet.publishedAt")
        parts = [snippet.get(key) for key in ("title", "description")]
        text = "\n\n".join(p for p in parts if isinstance(p, str) and p) or None
        live = bool(item.get("liveStreamingDetails")) or snippet.get("liveBroadcastContent") in (
            "live",
            "upcoming",
        )
        lang = snippet.get("defaultAudioLanguage") or snippet.get("defaultLanguage")
        post = mapping.compact(
            {
                **self.base("post", video_id),
                "created_at": created,
                "text": text,
                "account": snippet.get("channelId") if isinstance(snippet.get("channelId"), str) else None,
                "author": snippet.get("channelTitle")
                if isinstance(snippet.get("channelTitle"), str)
                else None,
                "lang": lang if isinstance(lang, str) else None,
                "url": f"https://www.youtube.com/watch?v={video_id}",
                "media": "live" if live else "video",
            }
        )
        statistics = mapping.as_dict(item.get("statistics"))
        values = {
            "views": mapping.counter(statistics.get("viewCount")),
            "likes": mapping.counter(statistics.get("likeCount")),
            "comments": mapping.counter(statistics.get("commentCount")),
        }
        return post, self.snapshot(video_id, observed, values)

    async def videos(self, video_ids: list[str]) -> list[Entry]:
        self.spend(units=VIDEOS_COST)
        body = self.check(
            await self.request(
                "GET",
                f"{self.url}/videos",
                params={
                    "part": "statistics,snippet,liveStreamingDetails",
                    "id": ",".join(video_ids),
                    "maxResults": len(video_ids),
                    "key": self.token,
                },
            )
        )
        observed = self.observed()
        return [
            entry(f"items.{i}", item, partial(self.map_video, item, observed))
            for i, item in enumerate(mapping.as_list(body.get("items")))
        ]

    # -- discover and refresh ---------------------------------------------------------------

    def searches(self) -> dict[str, dict[str, str]]:
        found = {}
        query = search_terms(self.event.hashtags, self.event.keywords)
        if query:
            found[f"search:q:{query}"] = {"q": query}
        for channel in self.accounts():
            found[f"search:channel:{channel}"] = {"channelId": channel}
        return found

    async def discover(self) -> None:
        searches = self.searches()
        if not searches:
            raise PollError(
                f"event {self.event.slug!r} has no hashtags, keywords or accounts.youtube to search for"
            )
        for key, extra in searches.items():
            await self.guarded("search", key, self.search(key, extra))

    async def search(self, key: str, extra: dict[str, str]) -> None:
        state = dict(self.checkpoint.cursors.get(key) or {})
        first = self.event.start if self.event.start else self.clock() - FIRST_LOOKBACK
        after = state.get("after") or iso(first)
        page, pending = state.get("page"), state.get("pending")
        own = "channelId" in extra
        while True:
            params: dict[str, Any] = {
                "part": "snippet",
                "type": "video",
                "order": "date",
                "maxResults": 50,
                "publishedAfter": after,
                "key": self.token,
                **extra,
            }
            if page:
                params["pageToken"] = page
            if self.searches_left() <= 0:
                raise self.search_spent(
                    f"{self.settings.youtube.search_calls_per_day} search.list calls today"
                )
            self.spend(searches=1)
            self._searching = True
            try:
                response = await self.request("GET", f"{self.url}/search", params=params)
            finally:
                self._searching = False
            if response.status == 403 and reasons_of(response) & QUOTA_REASONS:
                self.spend(spent=True)
                raise self.search_spent("403 quotaExceeded on search.list")
            body = self.check(response)
            ids = []
            for item in map(mapping.as_dict, mapping.as_list(body.get("items"))):
                video_id = mapping.as_dict(item.get("id")).get("videoId")
                if isinstance(video_id, str) and video_id:
                    ids.append(video_id)
                published = mapping.parse_time(mapping.as_dict(item.get("snippet")).get("publishedAt"))
                if published and (pending is None or published > (mapping.parse_time(pending) or published)):
                    pending = iso(published)
            new = [video_id for video_id in dict.fromkeys(ids) if not self.known(video_id)]
            entries = []
            for batch in chunked(new, self.refresh_batch):
                for found in await self.videos(batch):
                    created = mapping.parse_time((found.post or {}).get("created_at"))
                    if own and found.post and not self.belongs(found.post.get("text"), created):
                        continue  # a tracked channel's video that is not about the event
                    entries.append(found)
            page = body.get("nextPageToken") if isinstance(body.get("nextPageToken"), str) else None
            cursor = (
                {"after": after, "page": page, "pending": pending} if page else {"after": pending or after}
            )
            await self.take(entries, {key: cursor})
            if not page:
                return

    async def refresh(self, post_ids: list[str]) -> list[Entry]:
        entries = await self.videos(post_ids)
        returned = {found.post_id for found in entries}
        self.forget(post_id for post_id in post_ids if post_id not in returned)
        return entries

    def status(self) -> dict[str, Any]:
        quota = self.quota()
        return {
            **super().status(),
            "quota": {
                **quota,
                "search_limit": self.settings.youtube.search_calls_per_day,
                "search_every_s": self.search_interval().total_seconds(),
            },
        }
