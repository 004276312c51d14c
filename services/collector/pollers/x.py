"""X API v2 (PLATFORMS.md): recent search for the event, figures by id.

- **Find**: ``GET /tweets/search/recent`` with ``(#tag OR "keyword" OR from:account) -is:retweet``
  (split into several queries when longer than 512 characters), 100 per page, following
  ``meta.next_token``. A query's first pass starts at the event's start when that is within
  the 7 days search covers; later passes ask ``since_id=<newest id seen>``. The newest id of
  a pass becomes ``since_id`` only once its last page is published; until then the
  checkpoint keeps ``next_token``, so a restart resumes the same pass where it stopped.
- **Figures**: ``GET /tweets?ids=<≤100>`` with ``public_metrics``; a post X no longer finds
  (``resource-not-found`` in ``errors``) is no longer asked for.
- **Rate limits**: ``x-rate-limit-limit/remaining/reset`` on every answer; with nothing left,
  the next call waits until the reset; a 429 (or legacy code 88) waits until the reset, or
  backs off exponentially without one.
- **Tracked accounts** (``from:``) count only for posts about the event (see ``Poller.belongs``).
- **Search covers 7 days** (PLATFORMS.md, Field notes, "Quotas"): recent search accepts a
  ``since_id``/``start_time`` within the last 7 days only; an older ``since_id`` answers 400 for
  ever. The cursor keeps the creation time of its ``since_id`` (``since_at``; for a cursor
  written before, the time inside the id: X ids are snowflakes, ``(id >> 22) + 1288834974657``
  ms since the Unix epoch). A ``since_id`` older than 7 days less :data:`STALE_MARGIN` is dropped
  with its ``next_token`` and the search asks ``start_time`` = now − 7 days + the margin
  (or the event's start when later): what was published in between is out of X's reach anyway.

| format v1 | X |
|---|---|
| post_id, created_at, text, lang | id, created_at, text, lang (``und`` = unknown) |
| author, account, followers | the author's username and ``followers_count`` (expansion) |
| hashtags, url | ``entities.hashtags[].tag``, ``https://x.com/<username>/status/<id>`` |
| media | attached media (photo → image, video/animated_gif → video), else link with URLs, else text |
| likes, comments | like_count, reply_count |
| shares | retweet_count (or repost_count) + quote_count |
| impressions, saves | impression_count, bookmark_count |
| views | the attached media's ``view_count`` (summed) |
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from services.collector import mapping
from services.collector.pollers.entries import Entry, entry
from services.collector.pollers.http import Response
from services.collector.pollers.limits import ApiError, PollError
from services.collector.pollers.poller import Poller
from services.collector.pollers.schedule import iso
from shared.registry import Event

log = logging.getLogger("sada.collector.pollers")

QUERY_LIMIT = 512
SEARCH_WINDOW = timedelta(days=7)
# How far inside the 7 days a replacement start_time is (the request takes a moment to arrive).
STALE_MARGIN = timedelta(minutes=5)
TWITTER_EPOCH_MS = 1288834974657
SEARCH_FIELDS = {
    "tweet.fields": "created_at,public_metrics,lang,entities,author_id,attachments",
    "expansions": "author_id,attachments.media_keys",
    "user.fields": "public_metrics,username",
    "media.fields": "public_metrics,type",
}
LOOKUP_FIELDS = {
    "tweet.fields": "public_metrics,attachments",
    "expansions": "attachments.media_keys",
    "media.fields": "public_metrics,type",
}


def search_queries(event: Event, limit: int = QUERY_LIMIT) -> list[str]:
    """The event's hashtags, keywords and accounts as X search queries of at most ``limit``
    characters each, without reposts."""
    terms = [tag if tag.startswith("#") else f"#{tag}" for tag in (t.strip() for t in event.hashtags) if tag]
    terms += ['"' + keyword.replace('"', " ").strip() + '"' for keyword in event.keywords if keyword.strip()]
    terms += [
        f"from:{account.strip().lstrip('@')}" for account in event.accounts.get("x", []) if account.strip()
    ]
    queries: list[str] = []
    group: list[str] = []

    def query(parts: list[str]) -> str:
        return "(" + " OR ".join(parts) + ") -is:retweet"

    for term in dict.fromkeys(terms):
        if group and len(query([*group, term])) > limit:
            queries.append(query(group))
            group = []
        group.append(term)
    if group:
        queries.append(query(group))
    return queries


def newer_id(a: str | None, b: str | None) -> str | None:
    """The larger of two post ids (snowflakes grow with time)."""
    if not a or not str(a).isdigit():
        return b if b and str(b).isdigit() else None
    if not b or not str(b).isdigit():
        return a
    return a if int(a) >= int(b) else b


def snowflake_time(post_id: str | None) -> datetime | None:
    """The creation time inside an X id (a snowflake), None for anything else."""
    if not post_id or not str(post_id).isdigit():
        return None
    return datetime.fromtimestamp(((int(post_id) >> 22) + TWITTER_EPOCH_MS) / 1000, UTC)


def later_time(a: str | None, b: str | None) -> str | None:
    """The later of two ISO times (either may be missing)."""
    times = [(mapping.parse_time(t), t) for t in (a, b) if t]
    found = [(parsed, t) for parsed, t in times if parsed is not None]
    return max(found)[1] if found else None


class XPoller(Poller, connector="x", options=lambda s: s.x, batch=100):
    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    # -- rate limits and errors -------------------------------------------------------------

    def rate_limit_wait(self, response: Response) -> float | None:
        headers = response.headers
        for name, attribute in (("x-rate-limit-limit", "limit"), ("x-rate-limit-remaining", "remaining")):
            if headers.get(name, "").isdigit():
                setattr(self.limit, attribute, int(headers[name]))
        reset = headers.get("x-rate-limit-reset", "")
        if reset.isdigit():
            self.limit.reset_at = datetime.fromtimestamp(int(reset), UTC)
        body = mapping.as_dict(response.json())
        legacy = any(mapping.as_dict(e).get("code") == 88 for e in mapping.as_list(body.get("errors")))
        if response.status != 429 and not legacy:
            return None
        if reset.isdigit():
            self.limit.last_signal = "429, until x-rate-limit-reset"
            return max(1.0, int(reset) - time.time() + 1)
        return self.backoff(f"429 {str(body.get('type', '')).rsplit('/', 1)[-1] or 'without a reset'}")

    @staticmethod
    def check(response: Response) -> dict[str, Any]:
        body = response.json()
        if response.status == 200 and isinstance(body, dict):
            return body
        body = mapping.as_dict(body)
        first = mapping.as_dict((mapping.as_list(body.get("errors")) or [{}])[0])
        message = body.get("detail") or body.get("title") or first.get("message") or response.text[:200]
        raise ApiError(response.status, str(message), body.get("type") or first.get("code"))

    # -- mapping ----------------------------------------------------------------------------

    def figures(self, tweet_id: str, tweet: dict, attached: list[dict], observed: str) -> dict | None:
        public = mapping.as_dict(tweet.get("public_metrics"))
        reposts = mapping.counter(
            public["retweet_count"] if "retweet_count" in public else public.get("repost_count")
        )
        quotes = mapping.counter(public.get("quote_count"))
        views = [
            mapping.counter(mapping.as_dict(m.get("public_metrics")).get("view_count")) for m in attached
        ]
        values = {
            "likes": mapping.counter(public.get("like_count")),
            "comments": mapping.counter(public.get("reply_count")),
            "shares": None if reposts is None and quotes is None else (reposts or 0) + (quotes or 0),
            "impressions": mapping.counter(public.get("impression_count")),
            "saves": mapping.counter(public.get("bookmark_count")),
            "views": sum(v for v in views if v is not None) if any(v is not None for v in views) else None,
        }
        if all(value is None for value in values.values()):
            return None
        return mapping.compact({**self.base("metrics", tweet_id), "observed_at": observed, **values})

    def map_tweet(
        self, tweet: object, users: dict[str, dict], media: dict[str, dict], observed: str
    ) -> tuple[dict, dict | None]:
        if not isinstance(tweet, dict):
            raise mapping.Unmappable("", "a post must be a JSON object")
        tweet_id = mapping.need_id(tweet, "id")
        created = mapping.need_time(tweet.get("created_at"), "created_at")
        user = users.get(str(tweet.get("author_id")), {})
        username = user.get("username") if isinstance(user.get("username"), str) else None
        entities = mapping.as_dict(tweet.get("entities"))
        tags = [mapping.as_dict(tag).get("tag") for tag in mapping.as_list(entities.get("hashtags"))]
        keys = mapping.as_list(mapping.as_dict(tweet.get("attachments")).get("media_keys"))
        attached = [media[key] for key in keys if isinstance(key, str) and key in media]
        kind = (
            mapping.X_MEDIA.get(str(attached[0].get("type")), "image")
            if attached
            else ("link" if entities.get("urls") else "text")
        )
        lang = (
            tweet.get("lang") if isinstance(tweet.get("lang"), str) and tweet.get("lang") != "und" else None
        )
        text = tweet.get("text") if isinstance(tweet.get("text"), str) else None
        post = mapping.compact(
            {
                **self.base("post", tweet_id),
                "created_at": created,
                "text": text,
                "lang": lang,
                "author": username,
                "account": username,
                "hashtags": [tag for tag in tags if isinstance(tag, str)] or None,
                "url": f"https://x.com/{username}/status/{tweet_id}"
                if username
                else f"https://x.com/i/web/status/{tweet_id}",
                "media": kind,
                "followers": mapping.counter(
                    mapping.as_dict(user.get("public_metrics")).get("followers_count")
                ),
            }
        )
        return post, self.figures(tweet_id, tweet, attached, observed)

    def entries(self, body: dict) -> list[Entry]:
        includes = mapping.as_dict(body.get("includes"))
        users = {
            str(u["id"]): u for u in map(mapping.as_dict, mapping.as_list(includes.get("users"))) if "id" in u
        }
        media = {
            str(m["media_key"]): m
            for m in map(mapping.as_dict, mapping.as_list(includes.get("media")))
            if "media_key" in m
        }
        tracked = {account.strip().lstrip("@").lower() for account in self.event.accounts.get("x", [])}
        observed = self.observed()
        found = []
        for index, tweet in enumerate(mapping.as_list(body.get("data"))):
            mapped = entry(f"data.{index}", tweet, partial(self.map_tweet, tweet, users, media, observed))
            author = str((mapped.post or {}).get("author", "")).lower()
            if (
                mapped.post
                and author in tracked
                and not self.belongs(mapped.post.get("text"), mapping.parse_time(mapped.post["created_at"]))
            ):
                continue  # a tracked account's post that is not about the event
            found.append(mapped)
        return found

    # -- discover and refresh ---------------------------------------------------------------

    def start_time(self) -> str | None:
        now = self.clock()
        start = self.event.start
        if start is not None and now - SEARCH_WINDOW + timedelta(minutes=1) < start < now:
            return iso(start)
        return None

    def stale(self, since_id: str, since_at: str | None) -> bool:
        """Whether X would refuse ``since_id``: created more than 7 days (less the margin) ago."""
        created = mapping.parse_time(since_at) if since_at else snowflake_time(since_id)
        return created is None or created < self.clock() - SEARCH_WINDOW + STALE_MARGIN

    def window_start(self) -> str:
        """The earliest ``start_time`` X takes now (or the event's start when later)."""
        earliest = self.clock() - SEARCH_WINDOW + STALE_MARGIN
        start = self.event.start
        return iso(start if start is not None and earliest < start < self.clock() else earliest)

    async def discover(self) -> None:
        queries = search_queries(self.event)
        if not queries:
            raise PollError(
                f"event {self.event.slug!r} has no hashtags, keywords or accounts.x to search for"
            )
        for query in queries:
            await self.guarded("search", query, self.search(query))

    async def search(self, query: str) -> None:
        key = f"search:{query}"
        state = dict(self.checkpoint.cursors.get(key) or {})
        since_id, next_token, pending = state.get("since_id"), state.get("next_token"), state.get("pending")
        since_at, pending_at = state.get("since_at"), state.get("pending_at")
        start_time = state.get("start_time") if next_token else None  # a window pass under way
        if start_time and self.stale("", start_time):
            start_time, next_token = self.window_start(), None
        if since_id and self.stale(since_id, since_at):
            start_time = self.window_start()
            log.info(
                "x search %r: since_id %s is older than X's 7 days; asking start_time=%s instead",
                query,
                since_id,
                start_time,
            )
            since_id = since_at = next_token = None  # a next_token belongs to the old since_id
        while True:
            params: dict[str, Any] = {"query": query, "max_results": 100, **SEARCH_FIELDS}
            if since_id:
                params["since_id"] = since_id
            elif start_time or self.start_time():
                params["start_time"] = start_time or self.start_time()
            if next_token:
                params["next_token"] = next_token
            body = self.check(
                await self.request(
                    "GET", f"{self.url}/tweets/search/recent", params=params, headers=self.auth
                )
            )
            meta = mapping.as_dict(body.get("meta"))
            pending = newer_id(pending, meta.get("newest_id"))
            for tweet in map(mapping.as_dict, mapping.as_list(body.get("data"))):
                pending = newer_id(pending, str(tweet.get("id", "")))
                created = tweet.get("created_at")
                pending_at = later_time(pending_at, created if isinstance(created, str) else None)
            next_token = meta.get("next_token") if isinstance(meta.get("next_token"), str) else None
            if next_token:
                cursor = {
                    "since_id": since_id,
                    "since_at": since_at,
                    "next_token": next_token,
                    "pending": pending,
                    "pending_at": pending_at,
                    "start_time": start_time,
                }
            else:
                newest = newer_id(since_id, pending)
                cursor = {
                    "since_id": newest,
                    "since_at": pending_at if newest == pending and newest != since_id else since_at,
                }
                if start_time and not newest:
                    cursor = None  # nothing in X's 7 days: the next pass starts over from the window
            if cursor is not None:
                cursor = {k: v for k, v in cursor.items() if v is not None}
            await self.take(self.entries(body), {key: cursor})
            if not next_token:
                return

    async def refresh(self, post_ids: list[str]) -> list[Entry]:
        body = self.check(
            await self.request(
                "GET",
                f"{self.url}/tweets",
                params={"ids": ",".join(post_ids), **LOOKUP_FIELDS},
                headers=self.auth,
            )
        )
        gone = [
            str(mapping.as_dict(e).get("resource_id") or mapping.as_dict(e).get("value"))
            for e in mapping.as_list(body.get("errors"))
            if str(mapping.as_dict(e).get("type", "")).endswith("resource-not-found")
        ]
        self.forget(gone)
        media = {
            str(m["media_key"]): m
            for m in map(mapping.as_dict, mapping.as_list(mapping.as_dict(body.get("includes")).get("media")))
            if "media_key" in m
        }
        observed = self.observed()

        def snapshot(tweet: object) -> tuple[None, dict | None]:
            tweet = mapping.as_dict(tweet)
            keys = mapping.as_list(mapping.as_dict(tweet.get("attachments")).get("media_keys"))
            attached = [media[k] for k in keys if isinstance(k, str) and k in media]
            return None, self.figures(mapping.need_id(tweet, "id"), tweet, attached, observed)

        return [
            entry(f"data.{i}", tweet, partial(snapshot, tweet))
            for i, tweet in enumerate(mapping.as_list(body.get("data")))
        ]
