"""LinkedIn Community Management API (PLATFORMS.md): the tracked organisations' posts and their
share statistics.

- **Organisations**: the registry's ``accounts.linkedin`` (``urn:li:organization:<id>`` or
  the bare id). LinkedIn has no public keyword or hashtag search: an organisation's post
  counts when it is about the event (``Poller.belongs``).
- **Find**: ``GET /posts?q=author&author=<urn>&count=50&start=<n>``, newest first, until the
  newest post of the previous pass (or 7 days before the event's start). A pass in progress
  keeps ``start`` in the checkpoint; posts published meanwhile only push older ones further
  down, so resuming there skips nothing (a post read twice is known and skipped).
- **Figures**: ``GET /organizationalEntityShareStatistics?q=organizationalEntity&
  organizationalEntity=<urn>&shares=List(…)&ugcPosts=List(…)`` (Rest.li 2.0 lists, 20 posts a
  call), for new posts at once and then on the refresh schedule.
- **Limits**: daily and unpublished; a 429 has no headers, so the poller backs off
  exponentially (``SADA_POLL_BACKOFF_INITIAL_S`` doubling up to ``SADA_POLL_BACKOFF_MAX_S``).
- Headers: ``LinkedIn-Version: SADA_LINKEDIN_VERSION``, ``X-Restli-Protocol-Version: 2.0.0``.
- **Versions expire** (PLATFORMS.md, Field notes, "API versions expire"): a version is sunset
  about a year after its release and then answers HTTP 426; 202507 is sunset. The default is
  202607 (July 2026, the latest release the versioning page listed when checked, 2026-12:
  learn.microsoft.com/linkedin/marketing/versioning), supported until about July 2027. A 426
  stops the connector (:class:`~.limits.Stopped`) naming ``SADA_LINKEDIN_VERSION``.
- **Tokens** (Field notes, "Tokens expire"): member tokens last 60 days; programmatic refresh
  is for approved partners. With ``SADA_LINKEDIN_REFRESH_TOKEN`` (and the app's
  ``SADA_LINKEDIN_CLIENT_ID`` / ``SADA_LINKEDIN_CLIENT_SECRET``) the access token is renewed
  (``grant_type=refresh_token`` at ``SADA_LINKEDIN_TOKEN_URL``) before it expires and on a
  401; without, a 401 stops the connector naming ``SADA_LINKEDIN_TOKEN``.

| format v1 | LinkedIn |
|---|---|
| post_id, created_at | id (``urn:li:share:…``/``urn:li:ugcPost:…``), publishedAt (else createdAt), ms |
| text, account | commentary, author |
| url | ``https://www.linkedin.com/feed/update/<id>`` |
| media | content.media (video/image), multiImage → carousel, article → link, none → text |
| impressions, reach | impressionCount, uniqueImpressionsCount |
| clicks, likes, comments, shares | clickCount, likeCount, commentCount, shareCount |

LinkedIn's own ``engagement`` ratio is not stored: sada computes its rates (DESIGN §4).
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any
from urllib.parse import quote

from yarl import URL

from services.collector import mapping
from services.collector.pollers.checkpoint import state_dir
from services.collector.pollers.entries import Entry, entry
from services.collector.pollers.http import Response
from services.collector.pollers.limits import ApiError, PollError, Stopped
from services.collector.pollers.listing import Listing, as_stored
from services.collector.pollers.poller import Poller
from services.collector.pollers.tokens import Grant, Renewal, latest_access, read_grant
from shared.chunks import chunked
from shared.settings import LinkedInSettings, Settings, revealed

PAGE = 50
TOKEN_FILE = "linkedin-token.json"
SUNSET = 426  # "Version Header is Deprecated"
RENEW = (
    "renew it: set SADA_LINKEDIN_TOKEN to a new access token (member tokens last 60 days), or "
    "SADA_LINKEDIN_REFRESH_TOKEN with SADA_LINKEDIN_CLIENT_ID and SADA_LINKEDIN_CLIENT_SECRET "
    "where LinkedIn granted refresh tokens"
)
STATISTICS = {
    "impressions": "impressionCount",
    "reach": "uniqueImpressionsCount",
    "clicks": "clickCount",
    "likes": "likeCount",
    "comments": "commentCount",
    "shares": "shareCount",
}


def organisation(account: str) -> str:
    account = account.strip()
    return account if account.startswith("urn:") else f"urn:li:organization:{account}"


def refresh_token(options: LinkedInSettings) -> str:
    """The refresh token renewals start from: only where LinkedIn granted programmatic refresh."""
    return revealed(options.refresh_token) if options.client_id and revealed(options.client_secret) else ""


def current_token(settings: Settings) -> str:
    """The access token the poller sends now (renewed ones are kept in the state dir)."""
    options = settings.linkedin
    return latest_access(state_dir(settings) / TOKEN_FILE, revealed(options.token), refresh_token(options))


def api_headers(options: LinkedInSettings, token: str) -> dict[str, str]:
    """What every call to LinkedIn's REST API sends (the poller's and the export import's)."""
    return {
        "Authorization": f"Bearer {token}",
        "LinkedIn-Version": options.version,
        "X-Restli-Protocol-Version": "2.0.0",
    }


def restli(value: str) -> str:
    """A value inside a Rest.li 2.0 query (``:`` and ``,`` encoded, the list syntax not)."""
    return quote(value, safe="")


def media_kind(content: dict) -> str:
    if not content:
        return "text"
    media_id = str(mapping.as_dict(content.get("media")).get("id", ""))
    if ":video:" in media_id:
        return "video"
    if media_id:
        return "image"
    if "multiImage" in content or "carousel" in content:
        return "carousel"
    if "article" in content:
        return "link"
    return "text"


class LinkedInPoller(
    Poller, connector="linkedin", options=lambda s: s.linkedin, every=timedelta(minutes=5), batch=20
):
    _renewal: Renewal | None = None

    def headers(self, token: str) -> dict[str, str]:
        return api_headers(self.settings.linkedin, token)

    @property
    def renewal(self) -> Renewal:
        """The connector's token; renewable only where a refresh token is configured."""
        if self._renewal is None:
            self._renewal = Renewal(
                "linkedin",
                state_dir(self.settings) / TOKEN_FILE,
                self.token,
                refresh_token(self.settings.linkedin),
                self.exchange,
                self.clock,
            )
        return self._renewal

    async def exchange(self, refresh_token: str) -> Grant:
        options = self.settings.linkedin
        response = await self.request(
            "POST",
            options.token_url,
            form={
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_id": options.client_id,
                "client_secret": revealed(options.client_secret),
            },
        )
        return read_grant(response.json(), self.clock(), "LinkedIn", RENEW)

    def rate_limit_wait(self, response: Response) -> float | None:
        if response.status != 429:
            return None
        return self.retry_after(response) or self.backoff("429 (LinkedIn sends no reset time)")

    async def get(self, path_and_query: str) -> dict[str, Any]:
        renewed = False
        while True:
            token = await self.renewal.token()
            response = await self.request(
                "GET", URL(f"{self.url}/{path_and_query}", encoded=True), headers=self.headers(token)
            )
            if response.status == 401 and self.renewal.renewable and not renewed:
                await self.renewal.renew(token)
                renewed = True
                continue
            break
        body = response.json()
        if response.status == 200 and isinstance(body, dict):
            return body
        version = self.settings.linkedin.version
        if response.status == SUNSET:
            raise Stopped(
                f"LinkedIn version {version} is sunset (HTTP 426)",
                "set SADA_LINKEDIN_VERSION to a current YYYYMM (see "
                "learn.microsoft.com/linkedin/marketing/versioning)",
            )
        if response.status == 401:
            raise Stopped("the LinkedIn access token was refused (HTTP 401)", RENEW)
        body = mapping.as_dict(body)
        raise ApiError(
            response.status, str(body.get("message") or response.text[:200]), body.get("serviceErrorCode")
        )

    # -- mapping ----------------------------------------------------------------------------

    def map_post(self, org: str, item: object) -> tuple[dict, None]:
        if not isinstance(item, dict):
            raise mapping.Unmappable("", "a post must be a JSON object")
        post_id = mapping.need_id(item, "id")
        stamp = item.get("publishedAt") or item.get("createdAt")
        post = mapping.compact(
            {
                **self.base("post", post_id),
                "created_at": mapping.need_time(stamp, "publishedAt", unix=True),
                "text": item.get("commentary") if isinstance(item.get("commentary"), str) else None,
                "account": item.get("author") if isinstance(item.get("author"), str) else org,
                "url": f"https://www.linkedin.com/feed/update/{post_id}",
                "media": media_kind(mapping.as_dict(item.get("content"))),
            }
        )
        return post, None

    def map_statistics(self, element: object, observed: str) -> tuple[None, dict]:
        element = mapping.as_dict(element)
        post_id = element.get("share") or element.get("ugcPost")
        if not isinstance(post_id, str) or not post_id:
            raise mapping.Unmappable("share", "names no share or ugcPost")
        totals = mapping.as_dict(element.get("totalShareStatistics"))
        values = {name: mapping.counter(totals.get(field)) for name, field in STATISTICS.items()}
        return None, mapping.compact({**self.base("metrics", post_id), "observed_at": observed, **values})

    async def statistics(self, org: str, post_ids: list[str]) -> list[Entry]:
        entries = []
        for batch in chunked(post_ids, self.refresh_batch):
            shares = [p for p in batch if ":ugcPost:" not in p]
            ugc = [p for p in batch if ":ugcPost:" in p]
            query = f"q=organizationalEntity&organizationalEntity={restli(org)}"
            if shares:
                query += "&shares=List(" + ",".join(restli(p) for p in shares) + ")"
            if ugc:
                query += "&ugcPosts=List(" + ",".join(restli(p) for p in ugc) + ")"
            body = await self.get(f"organizationalEntityShareStatistics?{query}")
            observed = self.observed()
            entries += [
                entry(f"elements.{i}", element, partial(self.map_statistics, element, observed))
                for i, element in enumerate(mapping.as_list(body.get("elements")))
            ]
        return [found for found in entries if found.reason or found.post_id in post_ids]

    # -- discover and refresh ---------------------------------------------------------------

    async def discover(self) -> None:
        if not self.accounts():
            raise PollError(
                f"no organisation to follow: set the event's accounts.linkedin ({self.event.slug})"
            )
        for account in self.accounts():
            org = organisation(account)
            await self.guarded("posts", org, self.posts(org))

    async def posts(self, org: str) -> None:
        key = f"posts:{org}"
        state = dict(self.checkpoint.cursors.get(key) or {})
        listing = Listing(state, int(self.since().timestamp() * 1000), as_stored, as_stored)
        start = state.get("start", 0)
        while True:
            body = await self.get(f"posts?q=author&author={restli(org)}&count={PAGE}&start={start}")
            elements = mapping.as_list(body.get("elements"))
            found = []
            for index, item in enumerate(elements):
                mapped = entry(
                    f"elements.{start + index}", item, partial(self.map_post, org, item), extra={"org": org}
                )
                stamp = mapping.unix_time(
                    mapping.as_dict(item).get("publishedAt") or mapping.as_dict(item).get("createdAt")
                )
                if stamp is not None and listing.passed(int(stamp.timestamp() * 1000)):
                    continue
                if mapping.as_dict(item).get("lifecycleState", "PUBLISHED") != "PUBLISHED":
                    continue
                if mapped.post and not self.belongs(mapped.post.get("text"), stamp):
                    continue
                found.append(mapped)
            new = [m.post_id for m in found if m.post_id and not self.known(m.post_id)]
            stats = {s.post_id: s for s in await self.statistics(org, new)} if new else {}
            entries = [
                Entry(m.path, m.raw, m.post, stats[m.post_id].metrics, extra=m.extra)
                if m.post_id in stats
                else m
                for m in found
            ]
            paging = mapping.as_dict(body.get("paging"))
            start += len(elements)
            total = paging.get("total")
            more = bool(elements) and not listing.reached and (not isinstance(total, int) or start < total)
            await self.take(entries, {key: listing.cursor(more, start=start)})
            if not more:
                return

    async def refresh(self, post_ids: list[str]) -> list[Entry]:
        by_org: dict[str, list[str]] = {}
        for post_id in post_ids:
            org = self.checkpoint.posts.get(post_id, {}).get("org")
            if org:
                by_org.setdefault(org, []).append(post_id)
        entries = []
        for org, ids in by_org.items():
            entries += await self.statistics(org, ids)
        return entries
