"""One post, one id: the rule, per platform, for a post's canonical id and its shape.

Every source names a post its own way; the store keys a post by ``(platform, post_id)``, so
each source must give the same post the same id or it counts twice. This module is the one
place that says which id is canonical, and every adapter (export layouts, pollers, webhook
mappers) calls :func:`canonical`. Format v1 itself (``shared/events.py``) applies only the
universal rule of :func:`mangled`: the demo and the tests send synthetic ids (``li-00001``),
and a client may use any id it likes, as long as it is not one a spreadsheet rounded.

Which ids the sources share (checked 2026-12):

- **Facebook**: the Graph API names a Page post ``{page-id}_{post-id}`` (PLATFORMS.md, Field
  notes; developers.facebook.com/docs/graph-api/reference/pagepost), and so do the webhooks'
  ``feed`` changes (``value.post_id``) and the poller's ``id``. The Business Suite export gives
  the bare post id with the Page ID in its own column: the two are joined here. An export id
  already written ``{page}_{post}`` stays, if it names the same Page as the Page ID column.
- **LinkedIn**: the REST API names a post ``urn:li:share:N`` or ``urn:li:ugcPost:N``; the Page
  export's post link holds ``urn:li:activity:N``, a different number for the same post
  (PLATFORMS.md, Field notes). The three shapes are accepted; an activity URN is an *alias*
  (:func:`is_alias`) that only what the API tells us can resolve.
- **X**: the export's ``Post id``/``Tweet id``, API v2's ``id`` and the Account Activity
  webhooks' ``id_str`` are the same 64-bit Snowflake id, as a decimal string
  (docs.x.com/fundamentals/x-ids: "always use the string representation").
- **YouTube**: Studio's ``Content`` column, the Data API's ``videos#id`` and ``search``'s
  ``id.videoId`` are the same 11-character id of ``[A-Za-z0-9_-]`` (the id in
  ``watch?v=``; Google Ads API reference, YoutubeVideoIdentifier.video_id).
- **Instagram**: the Graph API's IG Media ``id`` (poller, webhooks' ``media_id``/``media.id``)
  and the Business Suite export's ``Post ID`` are the same numeric id. The legacy
  ``{media}_{user}`` form belongs to the retired Instagram Legacy API; no current source sends
  it, so only digits are accepted.
- **TikTok**: the Display API's video ``id`` ("also called item_id", a string of digits;
  developers.tiktok.com/doc/tiktok-api-v2-video-object) and the webhook's
  ``content.post_id`` are the same.

A spreadsheet that opened a CSV turns an 18-digit id into ``1.22158E+17`` (PLATFORMS.md, Field
notes: two different posts then carry the same "id"), or writes it as a decimal
(``122158000000000000.0``). Those two forms are sure signs and are refused everywhere; a
rounded id that kept its digits (``122158000000000000``) cannot be told from a real one.
"""

from __future__ import annotations

import re

RESPELL = "export again as CSV and import it without opening it in a spreadsheet"
# Spreadsheets write a large number as 1.22158E+17 (1,22158E+17 in a comma-decimal locale):
# always with the exponent's sign, which no platform id contains.
SCIENTIFIC = re.compile(r"^[0-9]+(?:[.,][0-9]+)?[eE][+-][0-9]+$")
DECIMAL = re.compile(r"^[0-9]+[.,][0-9]+$")

DIGITS = re.compile(r"^[0-9]{1,20}$")
FACEBOOK = re.compile(r"^([0-9]{1,20})_([0-9]{1,20})$")
LINKEDIN = re.compile(r"^urn:li:(share|ugcPost|activity):[0-9]{1,20}$")
YOUTUBE = re.compile(r"^[A-Za-z0-9_-]{11}$")
LINKEDIN_ALIAS = "activity"

SHAPES = {
    "x": (DIGITS, "an X post id is its digits (like 1850000000000000001)"),
    "instagram": (DIGITS, "an Instagram media id is its digits (like 17900000000000001)"),
    "tiktok": (DIGITS, "a TikTok video id is its digits (like 7300000000000000001)"),
    "youtube": (YOUTUBE, "a YouTube video id is 11 letters, digits, '-' or '_' (like dQw4w9WgXcQ)"),
    "linkedin": (
        LINKEDIN,
        "a LinkedIn post id is urn:li:share:N, urn:li:ugcPost:N or urn:li:activity:N",
    ),
    "facebook": (FACEBOOK, "a Facebook post id is {page-id}_{post-id} (like 1067_201)"),
}


class IdentityError(ValueError):
    """An id that is not the platform's id of a post; ``reason`` says what happened and what to do."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def mangled(raw: str) -> str | None:
    """Why ``raw`` is an id a spreadsheet rewrote, or ``None``: the universal rule, any platform."""
    value = raw.strip()
    if SCIENTIFIC.match(value):
        return f"a spreadsheet rounded this id ({value}); {RESPELL}"
    if DECIMAL.match(value):
        return f"a spreadsheet turned this id into a decimal number ({value}); {RESPELL}"
    return None


def canonical(platform: str, raw_id: str, page_id: str | None = None) -> str:
    """The canonical id of a post ``raw_id`` names on ``platform``; raises :class:`IdentityError`.

    ``page_id`` is the Facebook Page of an export row (its own column), joined to a bare post
    id. A platform without a rule here (``web``) gets the universal rule only.
    """
    value = raw_id.strip()
    problem = mangled(value)
    if problem:
        raise IdentityError(problem)
    if platform == "facebook":
        return _facebook(value, page_id)
    shape = SHAPES.get(platform)
    if shape is not None and not shape[0].match(value):
        raise IdentityError(f"{value!r} is not a {platform} post id: {shape[1]}")
    return value


def _facebook(value: str, page_id: str | None) -> str:
    page = (page_id or "").strip() or None
    if page is not None:
        problem = mangled(page)
        if problem:
            raise IdentityError(problem.replace("this id", "this Page ID"))
        if not DIGITS.match(page):
            raise IdentityError(f"Page ID {page!r} is not a Facebook Page id (its digits)")
    joined = FACEBOOK.match(value)
    if joined:
        if page is not None and joined.group(1) != page:
            raise IdentityError(f"post {value!r} belongs to Page {joined.group(1)}, not to Page ID {page}")
        return value
    if DIGITS.match(value):
        if page is None:
            raise IdentityError(
                f"post id {value!r} needs its Page: Facebook names a Page post "
                "{page-id}_{post-id}; export the file with its Page ID column"
            )
        return f"{page}_{value}"
    raise IdentityError(f"{value!r} is not a facebook post id: {SHAPES['facebook'][1]}")


def is_alias(platform: str, post_id: str) -> bool:
    """Whether ``post_id`` is another name of a post whose canonical id the API gives (a LinkedIn
    export's ``urn:li:activity:N``, where the API says ``urn:li:share:N``/``urn:li:ugcPost:N``)."""
    match = LINKEDIN.match(post_id) if platform == "linkedin" else None
    return match is not None and match.group(1) == LINKEDIN_ALIAS
