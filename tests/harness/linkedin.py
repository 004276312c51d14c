"""A LinkedIn REST API stand-in for the alias tests: an organisation's posts, their share
statistics, and the activities API that resolves an activity URN to its post.

It refuses what the real API refuses (learn.microsoft.com/linkedin/marketing/versioning and
/linkedin/dma/content/activities): a call without a bearer token (401), without a
``LinkedIn-Version: YYYYMM`` header or without ``X-Restli-Protocol-Version: 2.0.0`` (400), a
Rest.li 2.0 list whose URNs are not encoded or not ``urn:li:activity:<digits>`` (400), and an
activity of a type the activities API does not serve (403, the documented message). A batch
answers ``results`` keyed by URN and ``errors`` for the activities it does not know.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from aiohttp import web

ACTIVITY = re.compile(r"urn:li:activity:[0-9]+")
NOT_ALLOWED = "Activity's verb type is not allowed from the ActivityFilter."


def refusal(status: int, message: str, code: str) -> web.Response:
    return web.json_response(
        {"status": status, "serviceErrorCode": 100, "code": code, "message": message}, status=status
    )


class LinkedInApi:
    """``posts``: the organisation's posts as the API lists them (newest first);
    ``activities``: activity URN → the post URN LinkedIn resolves it to;
    ``reactions``: activity URNs of a type the activities API refuses."""

    def __init__(self, token: str, organisation: str):
        self.token = token
        self.organisation = organisation
        self.posts: list[dict] = []
        self.statistics: dict[str, dict[str, int]] = {}
        self.activities: dict[str, str] = {}
        self.reactions: set[str] = set()

    def refused(self, request: web.Request) -> web.Response | None:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return refusal(401, "Invalid access token", "INVALID_ACCESS_TOKEN")
        if not re.fullmatch(r"20[0-9]{4}", request.headers.get("LinkedIn-Version", "")):
            return refusal(
                400,
                "A version must be present. Please specify a version by adding the LinkedIn-Version header.",
                "VERSION_MISSING",
            )
        if request.headers.get("X-Restli-Protocol-Version") != "2.0.0":
            return refusal(
                400, "Query parameters of the Rest.li 1.0 protocol are not supported here", "ILLEGAL_ARGUMENT"
            )
        return None

    def listed(self, request: web.Request, name: str) -> list[str] | web.Response:
        """A Rest.li 2.0 list from the raw query: ``name=List(a,b)`` with each item encoded."""
        raw = dict(part.split("=", 1) for part in request.rel_url.raw_query_string.split("&") if "=" in part)
        value = raw.get(name, "")
        if not (value.startswith("List(") and value.endswith(")")):
            return refusal(400, f"{name} must be a Rest.li 2.0 List(...)", "ILLEGAL_ARGUMENT")
        items = [item for item in value[5:-1].split(",") if item]
        if any(":" in item for item in items):
            return refusal(400, f"{name}: URNs inside a List must be URL-encoded", "ILLEGAL_ARGUMENT")
        return [unquote(item) for item in items]

    async def list_posts(self, request: web.Request) -> web.Response:
        refused = self.refused(request)
        if refused:
            return refused
        assert request.query["q"] == "author" and request.query["author"] == self.organisation
        start, count = int(request.query.get("start", 0)), int(request.query.get("count", 10))
        chunk = self.posts[start : start + count]
        return web.json_response(
            {"elements": chunk, "paging": {"start": start, "count": count, "total": len(self.posts)}}
        )

    async def share_statistics(self, request: web.Request) -> web.Response:
        refused = self.refused(request)
        if refused:
            return refused
        elements = []
        for key, kind in (("shares", "share"), ("ugcPosts", "ugcPost")):
            if key not in request.query:
                continue
            urns = self.listed(request, key)
            if isinstance(urns, web.Response):
                return urns
            elements += [
                {
                    kind: urn,
                    "organizationalEntity": self.organisation,
                    "totalShareStatistics": self.statistics[urn],
                }
                for urn in urns
                if urn in self.statistics
            ]
        return web.json_response({"elements": elements})

    async def resolve(self, request: web.Request) -> web.Response:
        refused = self.refused(request)
        if refused:
            return refused
        urns = self.listed(request, "ids")
        if isinstance(urns, web.Response):
            return urns
        if not urns or any(not ACTIVITY.fullmatch(urn) for urn in urns):
            return refusal(400, "ids must be urn:li:activity:{id} URNs", "ILLEGAL_ARGUMENT")
        if self.reactions.intersection(urns):
            return refusal(403, NOT_ALLOWED, "ACCESS_DENIED")
        known = [urn for urn in urns if urn in self.activities]
        return web.json_response(
            {
                "results": {urn: {"domainEntity": self.activities[urn]} for urn in known},
                "statuses": {urn: 200 if urn in known else 404 for urn in urns},
                "errors": {
                    urn: {"status": 404, "message": f"Activity {urn} not found"}
                    for urn in urns
                    if urn not in known
                },
            }
        )

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/rest/posts", self.list_posts)
        app.router.add_get("/rest/organizationalEntityShareStatistics", self.share_statistics)
        app.router.add_get("/rest/dmaActivities", self.resolve)
        return app
