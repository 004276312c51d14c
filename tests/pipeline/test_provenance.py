"""Provenance on the read side (issue 11, item 2), through the real broker and chDB: one Facebook
post seen by the Graph API poller (a snapshot), a Business Suite export (a later snapshot with
fewer columns) and the Page webhook (reactions and comments), and a second post known only from
the webhook. ``/sources`` says which sources fed the event; ``/posts/{platform}/{post_id}``
gives each figure with the snapshot or the interactions it came from, and its values are
DESIGN §4's, computed again by tests/reference.py from what each source sent; the PDF's methods
page lists the sources in each language."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from aiohttp import web
from harness import TOKEN, RunningPipeline, pipeline_settings, run
from harness.pollers import NOW, app_of, one_pass, stand_in, tracked_event
from pydantic import SecretStr
from reference import reference_post_figures

from services.collector.pollers.facebook import FacebookPoller
from services.reporter.pdf import render_report
from services.reporter.pdf.words import BIDI_MARKS, LANGS, NBSP, NNBSP, Words
from services.reporter.provenance import event_sources
from shared.events import COUNTERS, Record, Rejection, validate_object
from shared.metrics import ENGAGEMENT_COUNTERS
from shared.registry import Registry
from shared.settings import MetaSettings

APP_SECRET = "meta-app-secret-prov"
GRAPH_TOKEN = "graph-token-prov"
PAGE, POST, OTHER = "1067", "301", "302"
MIXED, HOOKED = f"{PAGE}_{POST}", f"{PAGE}_{OTHER}"
CREATED = (NOW - timedelta(hours=3)).replace(microsecond=0)
EXPORTED = NOW + timedelta(minutes=30)  # the export's figures are later than the poller's
EVENT = tracked_event("prov-2026", "facebook", PAGE)
# What the Graph API's listing serves of the mixed post (a first pass reads no insights); the
# export has likes and views only, observed later.
GRAPH = {"likes": 300, "comments": 40, "shares": 12}
EXPORT = {"likes": 310, "views": 8_100}
EXPORT_HEADER = ["Post ID", "Page ID", "Page name", "Description", "Publish time", "Post type"]
EXPORT_HEADER += ["Reactions", "Views"]
FILE = "page-posts.csv"


@pytest.fixture(scope="module")
def pipeline(broker, chdb_dir) -> Iterator[RunningPipeline]:
    settings = pipeline_settings(
        broker, chdb_dir, "tprov", meta=MetaSettings(app_secret=SecretStr(APP_SECRET))
    )
    with RunningPipeline(settings, Registry(events={EVENT.slug: EVENT})) as running:
        yield running


def graph_app() -> web.Application:
    """The Page's Graph API: its one post with its counts, and no Reels."""

    def counts() -> dict[str, Any]:
        return {
            "reactions": {"data": [], "summary": {"total_count": GRAPH["likes"]}},
            "comments": {"data": [], "summary": {"total_count": GRAPH["comments"], "can_comment": True}},
            "shares": {"count": GRAPH["shares"]},
        }

    def authorised(request: web.Request) -> None:
        if request.query.get("access_token") != GRAPH_TOKEN:
            raise web.HTTPBadRequest(text=json.dumps({"error": {"message": "bad token", "code": 190}}))

    async def posts(request: web.Request) -> web.Response:
        authorised(request)
        item = {
            "id": MIXED,
            "message": "Ouverture du #Sada2026",
            "created_time": CREATED.strftime("%Y-%m-%dT%H:%M:%S+0000"),
            "permalink_url": f"https://www.facebook.com/{MIXED}",
            "from": {"name": "AUSIM", "id": PAGE},
            **counts(),
        }
        return web.json_response({"data": [item], "paging": {"cursors": {"before": "b", "after": "a"}}})

    async def by_ids(request: web.Request) -> web.Response:
        authorised(request)
        return web.json_response({p: {"id": p, **counts()} for p in request.query["ids"].split(",")})

    async def one(request: web.Request) -> web.Response:
        authorised(request)
        return web.json_response({"id": request.match_info["post"], **counts()})

    async def reels(request: web.Request) -> web.Response:
        authorised(request)
        return web.json_response({"data": []})

    return app_of(
        {
            "/v23.0/": by_ids,
            "/v23.0/{page}/posts": posts,
            "/v23.0/{page}/video_reels": reels,
            "/v23.0/{post}": one,
        }
    )


def export_file() -> bytes:
    """The Business Suite export of the mixed post: a date without a time, no text, two figures."""
    row = [POST, PAGE, "AUSIM", "", f"{CREATED:%m/%d/%Y}", "Photos", EXPORT["likes"], EXPORT["views"]]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([EXPORT_HEADER, row])
    return out.getvalue().encode()


async def _post(url: str, body: bytes, headers: dict[str, str], params: dict[str, str]) -> tuple[int, dict]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers, params=params) as response,
    ):
        return response.status, json.loads(await response.text())


def unix(moment: datetime) -> int:
    return int(moment.timestamp())


def record(record_type: str, **fields: Any) -> Record:
    """A format v1 record of the event (times given as datetimes), validated as the collector does."""
    obj = {"type": record_type, "event": EVENT.slug, "platform": "facebook", **fields}
    found = validate_object({k: v.isoformat() if isinstance(v, datetime) else v for k, v in obj.items()})
    assert not isinstance(found, Rejection), found
    return found


# The webhook's changes: the second post, and reactions and comments on both posts.
REACTIONS = [(MIXED, "u1"), (MIXED, "u2"), (HOOKED, "u1"), (HOOKED, "u3"), (HOOKED, "u4")]
COMMENTS = [(MIXED, f"{POST}_9001"), (HOOKED, f"{OTHER}_9002"), (HOOKED, f"{OTHER}_9003")]
HOOKED_AT = NOW - timedelta(hours=1)


def webhook_payload() -> dict[str, Any]:
    def change(value: dict[str, Any], minutes: int) -> dict[str, Any]:
        moment = HOOKED_AT + timedelta(minutes=minutes)
        return {"field": "feed", "value": {"verb": "add", "created_time": unix(moment), **value}}

    changes = [
        change(
            {"item": "status", "post_id": HOOKED, "message": "Day 2", "from": {"id": PAGE, "name": "AUSIM"}},
            0,
        )
    ]
    changes += [
        change({"item": "reaction", "post_id": pid, "reaction_type": "like", "from": {"id": user}}, n + 1)
        for n, (pid, user) in enumerate(REACTIONS)
    ]
    changes += [
        change(
            {"item": "comment", "post_id": pid, "comment_id": cid, "message": "Bravo", "from": {"id": "f"}},
            n + 10,
        )
        for n, (pid, cid) in enumerate(COMMENTS)
    ]
    return {"object": "page", "entry": [{"id": PAGE, "time": unix(HOOKED_AT), "changes": changes}]}


def sent_by_webhook() -> list[Record]:
    """What the webhook's changes say, in format v1, written here from the payload's values."""
    records: list[Record] = [
        record(
            "post",
            post_id=HOOKED,
            created_at=HOOKED_AT,
            text="Day 2",
            author="AUSIM",
            account=PAGE,
            media="text",
        )
    ]
    records += [
        record(
            "interaction",
            post_id=pid,
            interaction_id=f"{pid}:reaction:{user}",
            kind="like",
            occurred_at=HOOKED_AT + timedelta(minutes=n + 1),
        )
        for n, (pid, user) in enumerate(REACTIONS)
    ]
    records += [
        record(
            "interaction",
            post_id=pid,
            interaction_id=cid,
            kind="comment",
            occurred_at=HOOKED_AT + timedelta(minutes=n + 10),
        )
        for n, (pid, cid) in enumerate(COMMENTS)
    ]
    return records


def sent_by_export() -> list[Record]:
    midnight = datetime(CREATED.year, CREATED.month, CREATED.day, tzinfo=UTC)
    return [
        record(
            "post",
            post_id=MIXED,
            created_at=midnight,
            created_precision="day",
            account="AUSIM",
            media="image",
        ),
        record("metrics", post_id=MIXED, observed_at=EXPORTED, **EXPORT),
    ]


ARTICLE = record(
    "mention",
    platform="web",
    url="https://news.example/sada-2026",
    published_at=NOW - timedelta(hours=2),
    outlet="News",
    country="MA",
)


@pytest.fixture(scope="module")
def fed(pipeline, tmp_path_factory) -> dict[str, Any]:
    """The event fed by four sources, in this order: the poller, the export, the webhook, a client.
    Returns the records each sent (format v1) and the time span they were sent in."""
    started = datetime.now(UTC)
    served, recorder, settings = stand_in(
        pipeline, tmp_path_factory.mktemp("prov-state"), graph_app(), "facebook", "/v23.0", GRAPH_TOKEN
    )
    with served:
        one_pass(FacebookPoller, settings, EVENT, recorder)
    assert [r.post_id for r in recorder.of("post")] == [MIXED] and recorder.of("metrics")
    pipeline.drain()

    status, answer = run(
        _post(
            f"{pipeline.collector}/v1/imports",
            export_file(),
            {"Authorization": f"Bearer {TOKEN}", "X-Sada-Source": FILE},
            {"event": EVENT.slug, "observed_at": EXPORTED.isoformat()},
        )
    )
    assert status == 200 and answer["source"] == f"export:facebook:{FILE}", answer
    assert answer["records"] == {"metrics": 1, "post": 1} and answer["skipped"] == [], answer
    pipeline.drain()

    body = json.dumps(webhook_payload()).encode()
    signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    status, answer = run(
        _post(
            f"{pipeline.collector}/v1/webhooks/meta/{EVENT.slug}",
            body,
            {"X-Hub-Signature-256": signature, "Content-Type": "application/json"},
            {},
        )
    )
    assert status == 200 and answer == {"accepted": 1 + len(REACTIONS) + len(COMMENTS), "rejected": []}

    status, answer, _ = pipeline.post(
        ARTICLE.model_dump_json(exclude_none=True).encode(), headers={"X-Sada-Source": "crm"}
    )
    assert status == 200 and answer["accepted"] == 1, answer
    pipeline.drain()
    return {
        "api": list(recorder.records),
        "export": sent_by_export(),
        "webhook": sent_by_webhook(),
        "http": [ARTICLE],
        "span": (started, datetime.now(UTC)),
    }


def get(pipeline: RunningPipeline, path: str) -> tuple[int, Any]:
    return pipeline.get(f"{pipeline.reporter}/v1/events/{EVENT.slug}{path}")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_sources_name_each_kind_with_its_records_posts_files_and_arrival_times(pipeline, fed):
    status, answer = get(pipeline, "/sources")
    assert status == 200 and answer["event"] == EVENT.slug
    by_name = {(s["kind"], s["name"]): s for s in answer["sources"]}
    assert list(by_name) == [
        ("api", "facebook"),
        ("webhook", "meta"),
        ("export", "facebook"),
        ("http", "crm"),
    ]

    snapshots = {(r.post_id, r.observed_at) for r in fed["api"] if r.type == "metrics"}
    api = by_name[("api", "facebook")]
    # the API gave the mixed post's exact time, text and url: its post record counts
    assert api["records"] == {"post": 1, "metrics": len(snapshots), "interaction": 0, "mention": 0}
    assert api["posts"] == 1 and api["files"] == []
    export = by_name[("export", "facebook")]
    # the export gave one field the API did not (the media): its post record counts too
    assert export["records"] == {"post": 1, "metrics": 1, "interaction": 0, "mention": 0}
    assert export["posts"] == 1 and export["files"] == [FILE]
    webhook = by_name[("webhook", "meta")]
    hooked = len(REACTIONS) + len(COMMENTS)
    assert webhook["records"] == {"post": 1, "metrics": 0, "interaction": hooked, "mention": 0}
    assert webhook["posts"] == 2 and webhook["files"] == []
    http = by_name[("http", "crm")]
    assert http["records"] == {"post": 0, "metrics": 0, "interaction": 0, "mention": 1} and http["posts"] == 0

    started, ended = fed["span"]
    for source in answer["sources"]:
        first, last = at(source["first_received_at"]), at(source["last_received_at"])
        assert started <= first <= last <= ended, source
    # the sources arrived in the order the fixture sent them
    assert at(api["last_received_at"]) < at(export["first_received_at"])
    assert at(export["last_received_at"]) < at(webhook["first_received_at"])
    assert at(webhook["last_received_at"]) < at(http["first_received_at"])
    # the PDF reads the same function
    assert [s.as_json() for s in event_sources(pipeline.store, EVENT.slug)] == answer["sources"]


def post_answer(pipeline: RunningPipeline, post_id: str) -> dict[str, Any]:
    status, answer = get(pipeline, f"/posts/facebook/{quote(post_id, safe='')}")
    assert status == 200, answer
    return answer


def test_a_mixed_source_posts_figures_agree_with_the_reference_and_say_where_each_came_from(pipeline, fed):
    arrived = [*fed["api"], *fed["export"], *fed["webhook"], *fed["http"]]
    expected, _ = reference_post_figures(arrived, EVENT.slug)
    status, ranked = get(pipeline, "/top-posts?limit=10")
    assert status == 200
    ranking = {p["post_id"]: p for p in ranked["posts"]}
    for post_id in (MIXED, HOOKED):
        answer = post_answer(pipeline, post_id)
        reference = expected[("facebook", post_id)]
        assert {name: answer["figures"][name]["value"] for name in COUNTERS} == {
            name: reference[name] for name in COUNTERS
        }, post_id
        assert answer["engagements"] == reference["engagements"] == ranking[post_id]["engagements"]
        assert answer["engagement_rate"] == ranking[post_id]["engagement_rate"]

    mixed = post_answer(pipeline, MIXED)
    figures = mixed["figures"]
    export_source, api_source = f"export:facebook:{FILE}", "api:facebook"
    # likes and views: the export's snapshot, the latest that reports them
    for name in EXPORT:
        assert figures[name]["value"] == EXPORT[name] and figures[name]["from"] == "snapshot"
        assert figures[name]["snapshot"]["source"] == export_source
        assert at(figures[name]["snapshot"]["observed_at"]) == EXPORTED
    assert figures["likes"]["snapshot"]["snapshots_reporting"] == 2  # the poller's, the export's
    assert figures["views"]["snapshot"]["snapshots_reporting"] == 1
    # comments, shares: the poller's snapshot (the export has no such columns); the webhook's
    # reactions and comment on this post are not counted, a snapshot reports them
    for name in ("comments", "shares"):
        assert figures[name]["value"] == GRAPH[name] and figures[name]["snapshot"]["source"] == api_source
        assert at(figures[name]["snapshot"]["observed_at"]) < EXPORTED
    for name in ("impressions", "reach", "clicks", "saves"):
        assert figures[name] == {"value": 0, "from": None, "snapshot": None, "interactions": None}
    assert {(i["kind"], i["source"], i["count"]) for i in mixed["interactions"]} == {
        ("like", "webhook:meta", 2),
        ("comment", "webhook:meta", 1),
    }
    assert mixed["sources"] == [api_source, export_source, "webhook:meta"]
    # merged fields: the API's exact time and text, the export's media
    fields = mixed["fields"]
    assert fields["created_at"]["precision"] == "exact" and fields["created_at"]["source"] == api_source
    assert at(fields["created_at"]["value"]) == CREATED
    assert fields["text"]["value"] == "Ouverture du #Sada2026" and fields["text"]["source"] == api_source
    assert fields["media"] == {
        "value": "image",
        "source": export_source,
        "received_at": fields["media"]["received_at"],
    }
    assert at(fields["text"]["received_at"]) < at(fields["media"]["received_at"])
    assert fields["lang"] == {"value": None, "source": None, "received_at": None}

    hooked = post_answer(pipeline, HOOKED)
    likes, comments = hooked["figures"]["likes"], hooked["figures"]["comments"]
    assert likes["from"] == comments["from"] == "interactions" and likes["snapshot"] is None
    assert likes["interactions"] == {"count": 3, "sources": {"webhook:meta": 3}}
    assert comments["interactions"] == {"count": 2, "sources": {"webhook:meta": 2}}
    assert hooked["engagements"] == sum(hooked["figures"][n]["value"] for n in ENGAGEMENT_COUNTERS) == 5
    assert hooked["fields"]["created_at"]["source"] == "webhook:meta"


def test_an_unknown_post_is_a_404_with_its_reason_and_a_bad_platform_a_400(pipeline, fed):
    status, answer = get(pipeline, f"/posts/facebook/{PAGE}_999")
    assert status == 404
    assert answer["error"] == (
        f"no record of event 'prov-2026' names facebook post '{PAGE}_999'; "
        "the event's posts are listed by /top-posts"
    )
    status, answer = get(pipeline, f"/posts/myspace/{MIXED}")
    assert status == 400 and "myspace" in answer["error"]
    status, answer = pipeline.get(f"{pipeline.reporter}/v1/events/other-event/posts/facebook/{MIXED}")
    assert status == 404  # the post is prov-2026's, not another event's
    status, answer = pipeline.get(f"{pipeline.reporter}/v1/events/other-event/sources")
    assert status == 200 and answer == {"event": "other-event", "sources": []}


def test_a_linkedin_urn_is_one_path_segment_once_encoded(pipeline):
    urn = "urn:li:share:7100000000000000001"
    record = {
        "type": "post",
        "event": "prov-urn",
        "platform": "linkedin",
        "post_id": urn,
        "created_at": "2026-01-10T09:00:00Z",
    }
    status, answer, _ = pipeline.post(json.dumps(record).encode())
    assert status == 200 and answer["accepted"] == 1
    pipeline.drain()
    status, found = pipeline.get(
        f"{pipeline.reporter}/v1/events/prov-urn/posts/linkedin/{quote(urn, safe='')}"
    )
    assert status == 200 and found["post_id"] == urn and found["declared"] is True
    assert found["fields"]["created_at"]["source"] == "http:client"


def pdftotext(pdf: bytes) -> str:
    """The PDF's text as a reader copies it, spaces normalised, bidi marks dropped."""
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: apt-get install -y poppler-utils")
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True)
    text = re.sub(f"[{BIDI_MARKS}]", "", out.stdout.decode("utf-8"))
    return re.sub(r"\s+", " ", text.replace(NNBSP, " ").replace(NBSP, " "))


@pytest.mark.parametrize("lang", LANGS)
def test_the_methods_page_lists_the_sources_that_fed_the_report(pipeline, fed, lang):
    t = Words(lang)
    text = pdftotext(render_report(pipeline.store, EVENT, lang))
    methods = text[text.rindex(t("methods")) :]
    # pdftotext reads a space into some kerned letter pairs of Amiri: labels compare without spaces
    squeezed = methods.replace(" ", "")
    for key in ("sources.title", "sources.kind.api", "sources.kind.webhook", "sources.kind.export"):
        assert t(key).replace(" ", "") in squeezed, key
    assert t("sources.kind.http").replace(" ", "") in squeezed
    for name in ("facebook", "crm", FILE):
        assert name in methods, name
    if lang == "en":
        snapshots = len({(r.post_id, r.observed_at) for r in fed["api"] if r.type == "metrics"})
        assert f"Platform API, facebook: posts: 1; metric snapshots: {snapshots}. Received from" in methods
        assert "Webhook, meta: posts: 1; interactions: 8. Received from" in methods
        assert f"Export file, facebook ({FILE}): posts: 1; metric snapshots: 1. Received from" in methods
        assert "Sent by a client, crm: press articles: 1. Received from" in methods
