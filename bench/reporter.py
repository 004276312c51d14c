"""The reporter's latency on a large store, through its real HTTP app.

The store is filled server-side (``INSERT … SELECT FROM numbers()``): at scale 1,
10 million interactions and 1 million metrics snapshots on 20,000 posts with
hashtags, 4,000 press mentions with outlets and countries, six platforms, over
a three-day event in Africa/Casablanca with an agenda; plus a previous edition a
tenth of that size to compare with. Everything is pseudo-random but
deterministic (``cityHash64`` of the row number), so two runs see the same data.

Then ``services.reporter.app.create_app`` is served on a free port and each
endpoint is asked ``WARM_UP`` times (not timed; the first answer is checked
against the data) and then ``requests`` times, one request at a time, timed by
the client from sending until the whole body is read.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from clickhouse_connect.driver.client import Client

from bench.inputs import TEXTS
from bench.report import Latency, percentile
from services.reporter.app import create_app
from shared import events, rollups
from shared.hashtags import hashtag_key
from shared.http import start_site
from shared.progress import Progress
from shared.registry import LANGS, Event, Registry, Session
from shared.settings import Settings
from shared.store import open_store

DATABASE = "bench_reporter"
MERGED_TABLES = (
    "posts",
    "interactions",
    "metrics",
    "mentions",  # raw, then rollups
    "rollups",
)
TARGET_P95_MS = 300.0
BASE_REQUESTS = 20
MIN_REQUESTS = 5  # below this a p95 says nothing
WARM_UP = 2
CHUNK_ROWS = 1_000_000  # rows per INSERT … SELECT (one progress line each)
ZONE = "Africa/Casablanca"
PLATFORMS = tuple(p for p in events.PLATFORMS if p != "web")  # the social ones
COUNTRIES = (
    "MA",
    "FR",
    "ES",
    "SN",
    "CI",
    "TN",
    "DZ",
    "EG",
    "NG",
    "KE",
    "ZA",
    "GH",
    "CM",
    "BE",
    "CA",
    "US",
    "GB",
    "DE",
    "IT",
    "AE",
    "SA",
    "QA",
    "MR",
    "ML",
    "RW",
)
MEDIA = ("video", "image", "text", "link")


@dataclass(frozen=True)
class Sizes:
    posts: int
    interactions: int
    snapshots: int
    mentions: int

    def scaled(self, factor: float) -> Sizes:
        return Sizes(
            posts=max(60, round(self.posts * factor)),
            interactions=max(1_000, round(self.interactions * factor)),
            snapshots=max(600, round(self.snapshots * factor)),
            mentions=max(30, round(self.mentions * factor)),
        )


BASE = Sizes(posts=20_000, interactions=10_000_000, snapshots=1_000_000, mentions=4_000)
PREVIOUS_SHARE = 0.1  # the edition compared with is a tenth of the main one


def _at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(ZONE))


# The agenda sessions: (id, day, start (h, m), end (h, m), English, French, room); days of October.
SESSIONS_2022 = [
    ("opening", 26, (9, 30), (11, 0), "Opening keynote", "Séance d'ouverture", "Grand amphithéâtre"),
    ("awards", 28, (15, 0), (17, 0), "Startup awards", "Prix startups", "Village startups"),
]
SESSIONS_2024 = [
    ("opening", 23, (9, 30), (11, 0), "Opening keynote", "Séance d'ouverture", "Grand amphithéâtre"),
    ("ai-panel", 23, (14, 0), (16, 0), "Panel: AI in Africa", "Table ronde : l'IA en Afrique", "Salle Atlas"),
    (
        "cyber-workshop",
        24,
        (10, 0),
        (12, 30),
        "Workshop: cybersecurity",
        "Atelier : cybersécurité",
        "Salle Rif",
    ),
    (
        "data-panel",
        24,
        (15, 0),
        (17, 0),
        "Panel: data sovereignty",
        "Table ronde : souveraineté des données",
        "Salle Atlas",
    ),
    ("awards", 25, (16, 0), (18, 0), "Startup awards", "Prix startups", "Village startups"),
]


def _edition(year: int, first_day: int, sessions: list, previous: str | None = None) -> Event:
    """One edition of the bench summit: three days of October from ``first_day``, 08:00 to 20:00."""
    agenda = [
        Session(
            id=id_,
            start=_at(year, 10, day, *start),
            end=_at(year, 10, day, *end),
            titles={"en": en, "fr": fr},
            room=room,
        )
        for id_, day, start, end, en, fr, room in sessions
    ]
    return Event(
        slug=f"bench-{year}",
        names={"en": f"Bench Summit {year}", "fr": f"Sommet Bench {year}"},
        timezone=ZONE,
        start=_at(year, 10, first_day, 8),
        end=_at(year, 10, first_day + 2, 20),
        hashtags=[f"#BenchSummit{year}"],
        previous=previous,
        agenda=agenda,
    )


def bench_events() -> tuple[Event, Event]:
    """The event measured (three days, five agenda sessions) and its previous, smaller edition."""
    previous = _edition(2022, 26, SESSIONS_2022)
    return _edition(2024, 23, SESSIONS_2024, previous=previous.slug), previous


def hashtag_vocabulary(event: Event) -> list[str]:
    """The event's tags, spelling variants that share a key (case, accents, Arabic diacritics and
    tatweel), and a long tail of topics. Posts draw from the front more often."""
    tag = event.hashtags[0]
    return [
        tag,
        tag.lower(),
        "#المغرب_الرقمي",
        "#DigitalMorocco",
        "#المغربُ_الرقمي",
        "#IA",
        "#CyberSécurité",
        "#cybersecurite",
        "#المـغرب_الرقمي",
        "#Startups",
        "#AfricaTech",
        "#OpenData",
        "#Cloud",
        "#الذكاء_الاصطناعي",
        "#Fintech",
        "#GovTech",
        "#5G",
        "#SmartCity",
        "#EdTech",
        "#Souveraineté",
    ] + [f"#Topic{n}" for n in range(40)]


def _quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _array(values: list[str] | tuple[str, ...]) -> str:
    return "[" + ", ".join(_quote(v) for v in values) + "]"


def _micros(moment: datetime) -> int:
    return round(moment.timestamp() * 1_000_000)


class Filler:
    """The ``INSERT … SELECT FROM numbers()`` statements of one event, as SQL fragments.

    ``n`` is a post's number; a post's platform, id and creation time are functions of it alone,
    so interactions and snapshots find their post without a join.
    """

    def __init__(self, event: Event, sizes: Sizes, seed: int):
        assert event.start and event.end
        self.event, self.sizes, self.seed = event, sizes, seed
        self.start_us, self.end_us = _micros(event.start), _micros(event.end)
        self.span_us = self.end_us - self.start_us

    def h(self, n: str, k: int | str) -> str:
        return f"cityHash64({n}, {k}, {self.seed})"

    def u(self, n: str, k: int) -> str:
        """A uniform number in [0, 1)."""
        return f"({self.h(n, k)} % 1000000) / 1000000"

    def platform(self, n: str) -> str:
        return f"{_array(PLATFORMS)}[{n} % {len(PLATFORMS)} + 1]"

    def post_id(self, n: str) -> str:
        return f"concat('urn:bench:', {self.platform(n)}, ':', leftPad(toString({n}), 19, '0'))"

    def created_us(self, n: str) -> str:
        return f"({self.start_us} + {self.h(n, 1)} % {self.span_us})"

    def after_creation(self, n: str, fraction: str) -> str:
        """A time between post ``n``'s creation and the end of the event."""
        created = self.created_us(n)
        return (
            f"fromUnixTimestamp64Micro(toInt64({created} + ({self.end_us} - {created}) * ({fraction})), "
            "'UTC')"
        )

    def popular_post(self, m: str, k: int) -> str:
        """A post number, skewed: the first quarter of the posts gets half of the activity."""
        return f"toUInt64(floor({self.sizes.posts} * pow({self.u(m, k)}, 2)))"

    def posts(self) -> str:
        tags = hashtag_vocabulary(self.event)
        keys = [hashtag_key(t) for t in tags]
        return f"""
INSERT INTO posts (event, platform, post_id, created_at, account, author, text, lang, hashtags,
                   hashtag_keys, url, media, followers, version)
SELECT {_quote(self.event.slug)}, platform, post_id, created_at,
       concat('@account', toString({self.h("n", 2)} % 2000)),
       concat('Author ', toString({self.h("n", 3)} % 1500)),
       {_array(TEXTS)}[{self.h("n", 4)} % {len(TEXTS)} + 1], {_array(LANGS)}[{self.h("n", 5)} % 3 + 1],
       arrayMap(i -> {_array(tags)}[i], picks), arrayMap(i -> {_array(keys)}[i], picks),
       concat('https://', platform, '.example/', post_id),
       {_array(MEDIA)}[{self.h("n", 6)} % {len(MEDIA)} + 1],
       toUInt64(100 + floor(500000 * pow({self.u("n", 7)}, 4))), 1
FROM (
    SELECT number AS n, {self.platform("n")} AS platform, {self.post_id("n")} AS post_id,
           fromUnixTimestamp64Micro(toInt64({self.created_us("n")}), 'UTC') AS created_at,
           arrayDistinct(arrayMap(i -> toUInt32(floor({len(tags)} * pow(({self.h("n", "i + 10")} % 1000000)
                                                                        / 1000000, 2))) + 1,
                                  range(1 + {self.h("n", 8)} % 3))) AS picks
    FROM numbers({self.sizes.posts})
)"""

    def interactions(self, first: int, count: int) -> str:
        kinds = (
            "multiIf(r < 45, 'like', r < 65, 'comment', r < 75, 'share', r < 85, 'click', "
            "r < 92, 'save', 'view')"
        )
        return f"""
INSERT INTO interactions (event, platform, interaction_id, post_id, kind, occurred_at, actor, text, version)
SELECT {_quote(self.event.slug)}, {self.platform("p")}, concat({self.post_id("p")}, '-', toString(m)),
       {self.post_id("p")}, kind, {self.after_creation("p", f"pow({self.u('m', 3)}, 2)")},
       concat('user', toString({self.h("m", 5)} % 250000)),
       if(kind = 'comment', {_array(TEXTS)}[{self.h("m", 6)} % {len(TEXTS)} + 1], NULL), 1
FROM (
    SELECT number AS m, {self.popular_post("m", 2)} AS p, {self.h("m", 4)} % 100 AS r, {kinds} AS kind
    FROM numbers({first}, {count})
)"""

    def metrics(self, first: int, count: int) -> str:
        """Snapshot ``k`` of post ``p`` (``k`` = 0 … per_post - 1), counters growing to the post's final
        figures; which counters a snapshot reports depends on the platform, as in the exports
        (comments never: they are counted from interactions, as likes on x)."""
        per_post = math.ceil(self.sizes.snapshots / self.sizes.posts)
        return f"""
INSERT INTO metrics (event, platform, post_id, observed_at, impressions, reach, views, likes, comments,
                     shares, clicks, saves, version)
SELECT {_quote(self.event.slug)}, platform, {self.post_id("p")},
       {self.after_creation("p", f"(k + 1) / {per_post + 1}")}, imp, toUInt64(imp * 0.6),
       if(platform IN ('facebook', 'instagram', 'youtube', 'tiktok'), toUInt64(imp * 0.3), NULL),
       if(platform = 'x', NULL, toUInt64(imp * 0.02)), NULL,
       if(platform IN ('facebook', 'linkedin', 'x'), toUInt64(imp * 0.004), NULL),
       if(platform = 'linkedin', toUInt64(imp * 0.01), NULL),
       if(platform = 'instagram', toUInt64(imp * 0.003), NULL), 1
FROM (
    SELECT number % {self.sizes.posts} AS p, intDiv(number, {self.sizes.posts}) AS k,
           {self.platform("p")} AS platform,
           toUInt64((200 + floor(200000 * pow(1 - p / {self.sizes.posts}, 4)) + {self.h("p", 9)} % 1000)
                    * (k + 1) / {per_post}) AS imp
    FROM numbers({first}, {count})
)"""

    def mentions(self) -> str:
        outlets = [f"Outlet {n}" for n in range(150)]
        return f"""
INSERT INTO mentions (event, url, original_url, platform, published_at, outlet, country, lang, title,
                      audience, version)
SELECT {_quote(self.event.slug)}, url, concat(url, '?utm_source=bench'), 'web',
       fromUnixTimestamp64Micro(toInt64({self.start_us} + {self.h("n", 1)} % {self.span_us}), 'UTC'),
       if({self.h("n", 2)} % 20 = 0, NULL, {_array(outlets)}[o + 1]),
       if({self.h("n", 3)} % 15 = 0, NULL,
          {_array(COUNTRIES)}[toUInt32(floor({len(COUNTRIES)} * pow({self.u("n", 4)}, 2))) + 1]),
       {_array(LANGS)}[{self.h("n", 5)} % 3 + 1], concat('Article ', toString(n)),
       toUInt64(1000 + {self.h("n", 6)} % 2000000), 1
FROM (
    SELECT number AS n, toUInt32(floor({len(outlets)} * pow({self.u("number", 7)}, 2))) AS o,
           concat('https://outlet', toString(o), '.example/', toString(number)) AS url
    FROM numbers({self.sizes.mentions})
)"""


def _chunks(total: int, size: int) -> Iterator[tuple[int, int]]:
    for first in range(0, total, size):
        yield first, min(size, total - first)


def fill(client: Client, filler: Filler, progress: Progress) -> None:
    """Every table of one event; one progress line per statement."""
    slug, sizes = filler.event.slug, filler.sizes
    began = time.perf_counter()

    def run(sql: str, what: str) -> None:
        client.command(sql, settings={"async_insert": 0})
        progress(f"  fill {slug}: {what} ({time.perf_counter() - began:.1f} s)")

    run(filler.posts(), f"{sizes.posts:,} posts")
    for first, count in _chunks(sizes.interactions, CHUNK_ROWS):
        run(filler.interactions(first, count), f"interactions {first + count:,}/{sizes.interactions:,}")
    for first, count in _chunks(sizes.snapshots, CHUNK_ROWS):
        run(filler.metrics(first, count), f"metrics snapshots {first + count:,}/{sizes.snapshots:,}")
    run(filler.mentions(), f"{sizes.mentions:,} mentions")


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    params: dict[str, str]
    check: Callable[[dict[str, Any]], bool]

    @property
    def request(self) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.params.items())
        return self.path + (f"?{query}" if query else "")


def endpoints(main: Event, previous: Event, main_sizes: Sizes, at: datetime) -> list[Endpoint]:
    """What is measured, each with a check of its first answer (an empty answer is fast and useless)."""
    e = f"/v1/events/{main.slug}"

    def rows(key: str, minimum: int = 1) -> Callable[[dict[str, Any]], bool]:
        return lambda body: len(body[key]) >= minimum

    return [
        Endpoint(
            "summary",
            f"{e}/summary",
            {},
            lambda b: (
                b["totals"]["posts"] == main_sizes.posts
                and b["mentions"]["articles"] == main_sizes.mentions
                and len(b["platforms"]) == len(PLATFORMS)
            ),
        ),
        Endpoint("series hour", f"{e}/series", {"bucket": "hour"}, rows("series", 24)),
        Endpoint(
            "series minute, platform x",
            f"{e}/series",
            {"bucket": "minute", "platform": "x"},
            rows("series", 60),
        ),
        Endpoint("series day", f"{e}/series", {"bucket": "day"}, rows("series", 3)),
        Endpoint("breakdown platform", f"{e}/breakdown/platform", {}, rows("rows", len(PLATFORMS))),
        Endpoint("breakdown hashtag", f"{e}/breakdown/hashtag", {}, rows("rows", 10)),
        Endpoint("breakdown session", f"{e}/breakdown/session", {}, rows("rows", len(main.agenda))),
        Endpoint("top-posts by engagements", f"{e}/top-posts", {"by": "engagements"}, rows("posts", 10)),
        Endpoint("top-posts by rate", f"{e}/top-posts", {"by": "rate"}, rows("posts", 10)),
        Endpoint("mentions country", f"{e}/mentions/country", {}, rows("rows", 5)),
        Endpoint(
            "trends",
            f"{e}/trends",
            {"at": at.isoformat()},
            lambda b: any(t["latest"] > 0 for t in b["trends"]) and len(b["hashtags"]) > 0,
        ),
        Endpoint(
            f"compare with {previous.slug}",
            f"{e}/compare",
            {"with": previous.slug},
            lambda b: (
                all(b["editions"][s]["totals"]["posts"] > 0 for s in (main.slug, previous.slug))
                and len(b["days"]) >= 3
            ),
        ),
    ]


async def _get(session: aiohttp.ClientSession, url: str, endpoint: Endpoint) -> tuple[float, bytes]:
    started = time.perf_counter()
    async with session.get(url + endpoint.path, params=endpoint.params) as response:
        body = await response.read()
        seconds = time.perf_counter() - started
        if response.status != 200:
            raise RuntimeError(f"{endpoint.request}: HTTP {response.status}: {body[:300]!r}")
    return seconds, body


async def measure(url: str, targets: list[Endpoint], requests: int, progress: Progress) -> list[Latency]:
    out = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=900)) as session:
        for endpoint in targets:
            for n in range(WARM_UP):
                seconds, body = await _get(session, url, endpoint)
                if n == 0 and not endpoint.check(json.loads(body)):
                    raise RuntimeError(
                        f"{endpoint.request}: the answer does not match the data filled: {body[:500]!r}"
                    )
            times, size = [], len(body)
            for _ in range(requests):
                seconds, _body = await _get(session, url, endpoint)
                times.append(seconds * 1000)
            row = Latency(
                endpoint.name,
                endpoint.request,
                percentile(times, 50),
                percentile(times, 95),
                requests,
                TARGET_P95_MS,
                size,
                times,
            )
            progress(
                f"  {endpoint.name}: p50 {row.p50_ms:,.0f} ms, p95 {row.p95_ms:,.0f} ms "
                f"({requests} requests, {size:,} B answers)"
            )
            out.append(row)
    return out


@dataclass(frozen=True)
class ReporterResult:
    latencies: list[Latency]
    sizes: dict[str, dict[str, int]]
    stored: dict[str, dict[str, int]]
    fill_s: float
    rollups_s: float
    optimize_s: float
    parts: dict[str, int]
    requests: int
    trends_at: str

    def details(self) -> dict[str, Any]:
        return {
            **{k: v for k, v in asdict(self).items() if k != "latencies"},
            "target_p95_ms": TARGET_P95_MS,
            "warm_up_requests": WARM_UP,
            "endpoints": [row.as_dict() for row in self.latencies],
        }

    def notes(self) -> list[str]:
        main, previous = list(self.sizes)
        m = self.sizes[main]
        return [
            (
                f"reporter latency: store of {m['interactions']:,} interactions, {m['snapshots']:,} metrics "
                "snapshots, "
                f"{m['posts']:,} posts and {m['mentions']:,} mentions ({main}, 3 days, {ZONE}, "
                f"{len(PLATFORMS)} platforms) plus {previous} for /compare "
                f"({self.sizes[previous]['interactions']:,} interactions); filled in {self.fill_s:.0f} s, "
                f"rollups (migration 010's rebuild) computed in {self.rollups_s:.0f} s."
            ),
            (
                "reporter latency: tables merged with OPTIMIZE … FINAL before measuring "
                f"({self.optimize_s:.0f} s; "
                f"active parts {self.parts}): a settled store, as after background merges; a live store with "
                "many unmerged parts pays more for FINAL."
            ),
            (
                f"reporter latency: {WARM_UP} warm-up requests then {self.requests} timed ones per endpoint, "
                "one at a time, through the aiohttp app on 127.0.0.1; "
                "time = send until the whole body is read. "
                f"trends asked at {self.trends_at} (day 2 of the event)."
            ),
        ]


async def measure_reporter(
    base: Settings, scale: float, requests: int, progress: Progress, say: Progress
) -> ReporterResult:
    settings = base.model_copy(update={"clickhouse_database": DATABASE})
    store = open_store(settings, DATABASE)
    client = store.client
    main, previous = bench_events()
    main_sizes = BASE.scaled(scale)
    previous_sizes = BASE.scaled(scale * PREVIOUS_SHARE)
    say(
        f"      filling {DATABASE}: {main.slug} {asdict(main_sizes)}, "
        f"{previous.slug} {asdict(previous_sizes)}"
    )
    began = time.perf_counter()
    fill(client, Filler(main, main_sizes, seed=2024), progress)
    fill(client, Filler(previous, previous_sizes, seed=2022), progress)
    fill_s = time.perf_counter() - began
    began = time.perf_counter()
    # filled behind the store's back (INSERT … SELECT), so the rollups are computed in one go,
    # as a store migrated to rollups gets them
    events = rollups.rebuild(client, progress)
    rollups_s = time.perf_counter() - began
    say(f"      rollups of {events:,} events computed in {rollups_s:.1f} s")
    began = time.perf_counter()
    for table in MERGED_TABLES:
        progress(f"  OPTIMIZE TABLE {table} FINAL")
        client.command(f"OPTIMIZE TABLE {table} FINAL")
    optimize_s = time.perf_counter() - began
    parts = {
        row[0]: int(row[1])
        for row in client.query(
            "SELECT table, count() FROM system.parts WHERE active AND database = currentDatabase() "
            "AND table IN {tables:Array(String)} GROUP BY table",
            parameters={"tables": list(MERGED_TABLES)},
        ).result_rows
    }
    stored: dict[str, dict[str, int]] = {}
    for event in (main, previous):
        stored[event.slug] = {
            table: int(
                client.query(
                    f"SELECT count() FROM {table} FINAL WHERE event = {{e:String}}",
                    parameters={"e": event.slug},
                ).result_rows[0][0]
            )
            for table in ("posts", "interactions", "metrics", "mentions")
        }
    expected = {main.slug: main_sizes, previous.slug: previous_sizes}
    for slug, counts in stored.items():
        sizes = expected[slug]
        want = {
            "posts": sizes.posts,
            "interactions": sizes.interactions,
            "metrics": sizes.snapshots,
            "mentions": sizes.mentions,
        }
        if counts != want:
            raise RuntimeError(f"{slug}: stored {counts}, expected {want}")
    say(f"      filled in {fill_s:.1f} s, merged in {optimize_s:.1f} s; parts {parts}")

    registry = Registry(events={main.slug: main, previous.slug: previous})
    assert main.start is not None
    at = (main.start + timedelta(hours=28)).astimezone(ZoneInfo(ZONE))  # day 2, 12:00
    targets = endpoints(main, previous, main_sizes, at)
    runner, url = await start_site(create_app(settings, store, registry), "127.0.0.1", 0)
    try:
        say(f"      {len(targets)} requests through {url}: {WARM_UP} warm-up + {requests} timed each")
        latencies = await measure(url, targets, requests, say)
    finally:
        await runner.cleanup()
    return ReporterResult(
        latencies,
        {main.slug: asdict(main_sizes), previous.slug: asdict(previous_sizes)},
        stored,
        fill_s,
        rollups_s,
        optimize_s,
        parts,
        requests,
        at.isoformat(),
    )


def requests_for(scale: float) -> int:
    return max(MIN_REQUESTS, round(BASE_REQUESTS * scale))
