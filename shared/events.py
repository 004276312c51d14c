"""Events on the wire, format v1 (DESIGN §3): the models and every rejection rule.

A record either becomes one of the four models or a :class:`Rejection` whose
``field`` names what is wrong, so an HTTP client and the dead-letter table can
both say exactly which field to fix.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from shared.identity import mangled

PLATFORMS = ("x", "facebook", "instagram", "linkedin", "youtube", "tiktok", "web")
PLATFORM_ALIASES = {"twitter": "x"}
RECORD_TYPES = ("post", "metrics", "interaction", "mention")
EVENT_SLUG = r"^[a-z0-9-]{1,64}$"
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
MAX_AHEAD = timedelta(hours=24)

# The counters a metrics snapshot may carry, in a fixed order used everywhere.
COUNTERS = ("impressions", "reach", "views", "likes", "comments", "shares", "clicks", "saves")
INTERACTION_KINDS = ("like", "comment", "share", "click", "save", "view")

# The largest counter (and follower or audience count) sada stores: no platform reports
# more. With it, a post's engagements (five counters) stay below 2^63 and a snapshot's
# change fits an Int64; totals over posts are summed as 128-bit integers (docs/decisions.md,
# "Bounds that make overflow impossible").
MAX_COUNT = 10**15
MAX_COUNT_TEXT = "10^15"
# The deepest nesting of arrays and objects a record may have; checked on the raw text
# before it is parsed (a record has two levels; 64 leaves room for any extension).
MAX_DEPTH = 64
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")


def _encodable(value: str) -> str:
    """JSON escapes can smuggle in lone surrogates, which no UTF-8 store can hold."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("contains an invalid Unicode escape (a lone surrogate)") from None
    return value


def _bounded(value: int) -> int:
    if value > MAX_COUNT:
        raise ValueError(f"{value} is above the largest counter sada stores ({MAX_COUNT_TEXT})")
    return value


NonNegativeInt = Annotated[StrictInt, Field(ge=0), AfterValidator(_bounded)]
# A cumulative counter as the platform reported it; None (or absent) = not reported, 0 = zero.
Count = NonNegativeInt | None
String = Annotated[StrictStr, AfterValidator(_encodable)]
Text = Annotated[StrictStr, Field(min_length=1), AfterValidator(_encodable)]


def _not_mangled(value: str) -> str:
    """The universal id rule (shared/identity.py): an id a spreadsheet rounded names no post."""
    problem = mangled(value)
    if problem:
        raise ValueError(problem)
    return value


PostId = Annotated[Text, AfterValidator(_not_mangled)]
MAX_SOURCE = 300


def _source(value: object) -> str | None:
    """Never a reason to refuse a record: the collector overwrites whatever a client sent."""
    if isinstance(value, str) and len(value) <= MAX_SOURCE:
        try:
            return _encodable(value)
        except ValueError:
            return None
    return None


# Where a record came from (``api:<connector>``, ``webhook:<platform>``, ``export:<format>[:<file>]``,
# ``http:<client>``): stamped by the collector when it publishes (Intake.wire), whatever a client sent.
Source = Annotated[str | None, BeforeValidator(_source)]


def _timestamp(value: object, info: ValidationInfo) -> datetime:
    """RFC 3339 with an offset, not before 2000, at most 24 h after arrival; UTC out."""
    if not isinstance(value, str):
        raise ValueError("must be an RFC 3339 timestamp string with an offset")  # noqa: TRY004 (pydantic reports ValueError)
    if not RFC3339.match(value):
        if re.match(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?$", value):
            raise ValueError(f"{value!r} has no UTC offset (add Z or +hh:mm)")
        raise ValueError(f"{value!r} is not an RFC 3339 timestamp (like 2022-10-26T09:30:00+01:00)")
    try:
        parsed = datetime.fromisoformat(value[:19] + value[19:].replace("z", "Z"))
    except ValueError:
        raise ValueError(f"{value!r} is not a valid date and time") from None
    # The range is checked on the local time against the bounds moved by the offset, which
    # cannot overflow; only a time inside it is converted (year 1 at +14:00 is not).
    offset = parsed.utcoffset() or timedelta(0)
    local = parsed.replace(tzinfo=None)
    if local < EARLIEST.replace(tzinfo=None) + offset:
        raise ValueError(f"{value!r} is before 2000-01-01")
    now = (info.context or {}).get("now") or datetime.now(UTC)
    if local > (now + MAX_AHEAD).astimezone(UTC).replace(tzinfo=None) + offset:
        raise ValueError(f"{value!r} is more than 24 hours ahead of its arrival")
    return parsed.astimezone(UTC)


Timestamp = Annotated[datetime, BeforeValidator(_timestamp)]


def normalise_url(url: str) -> str:
    """The identity of a press mention: lower-case scheme and host, no fragment,
    no ``utm_*`` parameters, no trailing slash on the path."""
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.netloc:
        raise ValueError(f"{url!r} is not an absolute URL")
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not k.lower().startswith("utm_")
        ]
    )
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), query, ""))


class _Record(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    event: Annotated[StrictStr, Field(pattern=EVENT_SLUG)]
    platform: Literal["x", "facebook", "instagram", "linkedin", "youtube", "tiktok", "web"]

    @field_validator("platform", mode="before")
    @classmethod
    def _alias(cls, value: object) -> object:
        return PLATFORM_ALIASES.get(value, value) if isinstance(value, str) else value

    def to_json(self) -> bytes:
        """The canonical wire form: known fields only, UTC timestamps, no nulls."""
        return self.model_dump_json(exclude_none=True).encode()


class _OnPost(_Record):
    """A record about one post: keyed by it, so all of a post's records share a partition."""

    if TYPE_CHECKING:  # each model declares post_id itself, to keep the wire order of its fields
        post_id: str

    @property
    def key(self) -> bytes:
        return f"{self.platform}:{self.post_id}".encode()


class Post(_OnPost):
    type: Literal["post"] = "post"
    post_id: PostId
    created_at: Timestamp
    account: String | None = None
    author: String | None = None
    text: String | None = None
    lang: String | None = None
    hashtags: list[String] | None = None
    url: String | None = None
    media: Literal["text", "image", "video", "link", "carousel", "live"] | None = None
    # The post's picture or video thumbnail (http/https): the PDF report shows it by its top posts.
    media_url: String | None = None
    followers: NonNegativeInt | None = None
    # "day": the source knew only the date (an export's date cell), created_at is its midnight;
    # absent: created_at is exact. A day-precise time never replaces an exact one (shared/merge.py).
    created_precision: Literal["day"] | None = None
    source: Source = None


class Metrics(_OnPost):
    type: Literal["metrics"] = "metrics"
    post_id: PostId
    observed_at: Timestamp
    impressions: Count = None
    reach: Count = None
    views: Count = None
    likes: Count = None
    comments: Count = None
    shares: Count = None
    clicks: Count = None
    saves: Count = None
    source: Source = None


class Interaction(_OnPost):
    type: Literal["interaction"] = "interaction"
    post_id: PostId
    interaction_id: Text
    kind: Literal["like", "comment", "share", "click", "save", "view"]
    occurred_at: Timestamp
    actor: String | None = None
    text: String | None = None
    source: Source = None

    @property
    def key(self) -> bytes:
        """Keyed by its own identity: its rollups' delta compares it with its earlier versions,
        which one consumer must then read in order, wherever its post is (docs/decisions.md,
        "Rollups by delta")."""
        return f"{self.platform}:{self.interaction_id}".encode()


class Mention(_Record):
    type: Literal["mention"] = "mention"
    url: Text
    published_at: Timestamp
    outlet: String | None = None
    country: Annotated[StrictStr, Field(pattern=r"^[A-Za-z]{2}$")] | None = None
    lang: String | None = None
    title: String | None = None
    audience: NonNegativeInt | None = None
    source: Source = None

    @field_validator("url")
    @classmethod
    def _absolute(cls, value: str) -> str:
        normalise_url(value)
        return value

    @field_validator("country")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper() if value else value

    @property
    def normalised_url(self) -> str:
        return normalise_url(self.url)

    @property
    def key(self) -> bytes:
        return self.normalised_url.encode()


Record = Post | Metrics | Interaction | Mention
MODELS: dict[str, type[Record]] = {
    "post": Post,
    "metrics": Metrics,
    "interaction": Interaction,
    "mention": Mention,
}


@dataclass(frozen=True)
class Rejection:
    """Why a record was refused; ``field`` is the JSON field at fault ("" for the whole line)."""

    field: str
    reason: str
    event: str = ""

    def message(self) -> str:
        return f"{self.field}: {self.reason}" if self.field else self.reason


REJECT_NAMESPACE = uuid.UUID("6f1d7c1e-54a3-4d0c-9a55-5ada0e5ada01")


def reject_id(origin: str, line: int, raw: bytes) -> uuid.UUID:
    """The identity of a dead letter: the same bad line from the same source, sent
    again (a client's retry, a re-read Kafka message), is one reject."""
    return uuid.uuid5(REJECT_NAMESPACE, f"{origin}\0{line}\0{hashlib.sha256(raw).hexdigest()}")


def _first_error(error: ValidationError) -> tuple[str, str]:
    first = error.errors(include_url=False)[0]
    field = ".".join(str(part) for part in first["loc"])
    if first["type"] == "missing":
        return field, "required field is missing"
    message = first["msg"].removeprefix("Value error, ")
    return field, message


# A JSON string (skipped whole: brackets inside it are text) or one bracket.
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def nesting_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in a JSON text, found without parsing it.

    A text with no more brackets than the limit cannot be deeper, so the common case costs
    two counts; otherwise the brackets outside strings are scanned.
    """
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return 0
    depth = deepest = 0
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif token in "]}":
            depth -= 1
    return deepest


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


_DECODER = json.JSONDecoder(parse_constant=_no_constant)  # one for all: json.loads builds one per call


def load_json(text: str) -> object:
    """Parse JSON text within sada's bounds: at most :data:`MAX_DEPTH` levels (checked before
    parsing), no NaN or Infinity, integers of at most 4300 digits (Python's limit). Raises
    ``ValueError`` with a reason for anything else, never a deeper error."""
    depth = nesting_depth(text)
    if depth > MAX_DEPTH:
        raise ValueError(f"nested {depth} levels deep; at most {MAX_DEPTH} are accepted")
    try:
        return _DECODER.decode(text)
    except RecursionError:  # a malformed text the scan misread: still a reason, never a crash
        raise ValueError(f"nested more than {MAX_DEPTH} levels deep") from None
    except ValueError as exc:
        if "integer string conversion" in str(exc):
            raise ValueError("a number has more than 4300 digits") from None
        raise


def parse_record(raw: bytes, now: datetime | None = None) -> Record | Rejection:
    """Decode one line of format v1; ``now`` is the arrival time for the 24-hour rule."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Rejection("", f"invalid UTF-8 at byte {exc.start}")
    try:
        obj = load_json(text)
    except ValueError as exc:
        return Rejection("", f"invalid JSON: {exc}")
    return validate_object(obj, now)


def validate_object(obj: object, now: datetime | None = None) -> Record | Rejection:
    """Validate an already decoded JSON value as a format v1 record."""
    if not isinstance(obj, dict):
        return Rejection("", "a record must be a JSON object")
    event = obj.get("event")
    readable_event = event if isinstance(event, str) and len(event) <= 64 else ""
    kind = obj.get("type")
    model = MODELS.get(kind) if isinstance(kind, str) else None
    if model is None:
        reason = (
            "required field is missing"
            if kind is None
            else f"unknown type {kind!r}; expected one of {', '.join(RECORD_TYPES)}"
        )
        return Rejection("type", reason, readable_event)
    try:
        return model.model_validate(obj, context={"now": now or datetime.now(UTC)})
    except ValidationError as exc:
        field, reason = _first_error(exc)
        if field == "platform" and "platform" in obj:
            reason = f"unknown platform {obj['platform']!r}; expected one of {', '.join(PLATFORMS)}"
        return Rejection(field, reason, readable_event if field != "event" else "")
