"""One identity per post across sources, through the real broker and chDB: the same Facebook post
from a Business Suite export (``Post ID`` + ``Page ID``) and from the Graph API poller
(``{page}_{post}``) is one post whatever arrives first, and the export (a date without a time, no
text) never lowers what the API knew; rows whose ids a spreadsheet rounded are refused with their
reason, kept as dead letters, and stored nowhere else."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import timedelta

import aiohttp
import pytest
from aiohttp import web
from harness import TOKEN, RunningPipeline, module_pipeline, run
from harness.pollers import NOW, app_of, dead_letters, one_pass, stand_in, totals, tracked_event

from services.collector.pollers.facebook import FacebookPoller
from shared.registry import Event

GRAPH_TOKEN = "fb-token"
PAGE, POST = "1067", "201"
CREATED = (NOW - timedelta(hours=2)).replace(microsecond=0)
MESSAGE = "Ouverture du #Sada2026"
# The post's figures, the same in the API's answers and in the export's columns.
FIGURES = {"likes": 320, "comments": 41, "shares": 17, "views": 8_100, "reach": 5_600, "clicks": 260}
GRAPH_INSIGHTS = {"post_media_view": "views", "post_impressions_unique": "reach", "post_clicks": "clicks"}
FB_HEADER = [
    "Post ID",
    "Page ID",
    "Page name",
    "Title",
    "Description",
    "Publish time",
    "Permalink",
    "Post type",
]
FB_HEADER += ["Views", "Reach", "Reactions", "Comments", "Shares", "Total clicks"]


@pytest.fixture(scope="module")
def pipeline(broker, chdb_dir) -> Iterator[RunningPipeline]:
    with module_pipeline(broker, chdb_dir, "identity") as running:
        yield running


class GraphFake:
    """A Page with one post: ``/{page}/posts``, the counts by ids, and lifetime insights, which
    refuse (code 100) a metric this Page does not have, as the Graph API does."""

    def __init__(self):
        self.post_id = f"{PAGE}_{POST}"

    def counts(self) -> dict:
        return {
            "reactions": {"data": [], "summary": {"total_count": FIGURES["likes"]}},
            "comments": {"data": [], "summary": {"total_count": FIGURES["comments"], "can_comment": True}},
            "shares": {"count": FIGURES["shares"]},
        }

    def app(self) -> web.Application:
        def check(request: web.Request) -> None:
            assert request.query["access_token"] == GRAPH_TOKEN

        async def posts(request: web.Request) -> web.Response:
            check(request)
            assert request.match_info["page"] == PAGE
            item = {
                "id": self.post_id,
                "message": MESSAGE,
                "created_time": CREATED.strftime("%Y-%m-%dT%H:%M:%S+0000"),
                "permalink_url": f"https://www.facebook.com/{self.post_id}",
                "from": {"name": "AUSIM", "id": PAGE},
                **self.counts(),
            }
            return web.json_response({"data": [item], "paging": {"cursors": {"before": "b", "after": "a1"}}})

        async def by_ids(request: web.Request) -> web.Response:
            check(request)
            return web.json_response({p: {"id": p, **self.counts()} for p in request.query["ids"].split(",")})

        async def one(request: web.Request) -> web.Response:
            check(request)
            return web.json_response({"id": request.match_info["post"], **self.counts()})

        async def insights(request: web.Request) -> web.Response:
            check(request)
            metrics = request.query["metric"].split(",")
            if any(m not in GRAPH_INSIGHTS for m in metrics):
                error = {"message": "(#100) The value must be a valid insights metric", "code": 100}
                return web.json_response({"error": error}, status=400)
            data = [
                {"name": m, "period": "lifetime", "values": [{"value": FIGURES[GRAPH_INSIGHTS[m]]}]}
                for m in metrics
            ]
            return web.json_response({"data": data})

        return app_of(
            {
                "/v23.0/": by_ids,
                "/v23.0/{page}/posts": posts,
                "/v23.0/{post}/insights": insights,
                "/v23.0/{post}": one,
            }
        )


def export_row(post_id: str, page_id: str, publish: str, description: str = "") -> list[object]:
    values = {
        "Post ID": post_id,
        "Page ID": page_id,
        "Page name": "AUSIM",
        "Description": description,
        "Publish time": publish,
        "Permalink": f"https://www.facebook.com/{page_id}/posts/{post_id}",
        "Post type": "Photos",
        "Views": FIGURES["views"],
        "Reach": FIGURES["reach"],
        "Reactions": FIGURES["likes"],
        "Comments": FIGURES["comments"],
        "Shares": FIGURES["shares"],
        "Total clicks": FIGURES["clicks"],
    }
    return [values.get(name, "") for name in FB_HEADER]


def csv_bytes(rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return b"\xef\xbb\xbf" + out.getvalue().encode()


def upload(pipeline: RunningPipeline, body: bytes, event: str) -> tuple[int, dict]:
    async def go() -> tuple[int, dict]:
        headers = {"Authorization": f"Bearer {TOKEN}", "X-Sada-Source": "posts.csv"}
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"{pipeline.collector}/v1/imports", params={"event": event}, data=body, headers=headers
            ) as response,
        ):
            return response.status, json.loads(await response.text())

    return run(go())


def import_export(pipeline: RunningPipeline, event: str) -> None:
    """The Business Suite export of the post: a date without a time, no text (Description empty)."""
    status, answer = upload(
        pipeline, csv_bytes([FB_HEADER, export_row(POST, PAGE, f"{CREATED:%m/%d/%Y}")]), event
    )
    assert status == 200 and answer["format"] == "facebook" and answer["skipped"] == [], answer
    assert answer["source"] == "export:facebook:posts.csv"


def poll(pipeline: RunningPipeline, tmp_path, event: Event) -> None:
    served, recorder, settings = stand_in(
        pipeline, tmp_path, GraphFake().app(), "facebook", "/v23.0", GRAPH_TOKEN
    )
    with served:
        one_pass(FacebookPoller, settings, event, recorder)
    assert [r.post_id for r in recorder.of("post")] == [f"{PAGE}_{POST}"]


def stored_post(pipeline: RunningPipeline, event: str) -> list[dict]:
    return pipeline.store.query(
        "SELECT post_id, created_at, created_precision, text, account, author, media, url, source, "
        "provenance FROM posts FINAL WHERE event = {e:String}",
        {"e": event},
    )


@pytest.mark.parametrize("order", ["export_first", "api_first"])
def test_one_facebook_post_from_the_export_and_the_api_counts_once_in_both_orders(pipeline, tmp_path, order):
    event = tracked_event(f"fb-identity-{order.replace('_', '-')}", "facebook", PAGE)
    steps = [lambda: import_export(pipeline, event.slug), lambda: poll(pipeline, tmp_path, event)]
    for step in steps if order == "export_first" else steps[::-1]:
        step()
        pipeline.drain()  # each source stored before the next arrives: the merge reads the store
        if order == "export_first" and step is steps[0]:
            [alone] = stored_post(pipeline, event.slug)  # the export knew only the day
            assert alone["created_precision"] == "day" and alone["created_at"].hour == 0

    [post] = stored_post(pipeline, event.slug)
    assert post["post_id"] == f"{PAGE}_{POST}"
    # What the API knew stands: the exact time (the export has only the day), the text (the
    # export's is empty), the account; what only the export knew is added: the media.
    assert post["created_at"].replace(tzinfo=CREATED.tzinfo) == CREATED and post["created_precision"] == ""
    assert post["text"] == MESSAGE and post["author"] == "AUSIM" and post["account"] == PAGE
    assert post["url"] == f"https://www.facebook.com/{PAGE}_{POST}"
    assert post["media"] == "image" and post["provenance"]["media"][0] == "export:facebook:posts.csv"
    assert post["source"] == "api:facebook" and post["provenance"]["created_at"][0] == "api:facebook"

    found = totals(pipeline, event.slug, "facebook")
    assert found["posts"] == 1
    assert {name: found[name] for name in FIGURES} == FIGURES  # one post's figures, not two posts'
    sources = pipeline.store.query(
        "SELECT DISTINCT source FROM metrics WHERE event = {e:String} ORDER BY source", {"e": event.slug}
    )
    assert [s["source"] for s in sources] == ["api:facebook", "export:facebook:posts.csv"]


def test_rows_whose_ids_a_spreadsheet_rounded_are_refused_and_stored_nowhere(pipeline):
    event = "fb-identity-rounded"
    publish = f"{CREATED:%m/%d/%Y %H:%M}"
    rows = [
        FB_HEADER,
        export_row(POST, PAGE, publish, "kept"),
        export_row("1.22158E+17", PAGE, publish, "first rounded post"),
        export_row("1.22158E+17", PAGE, publish, "second rounded post"),
    ]
    status, answer = upload(pipeline, csv_bytes(rows), event)
    assert status == 200 and answer["records"] == {"metrics": 1, "post": 1}, answer
    reason = (
        "a spreadsheet rounded this id (1.22158E+17); export again as CSV and import it "
        "without opening it in a spreadsheet"
    )
    assert answer["skipped"] == [
        {"row": 3, "field": "Post ID", "reason": reason, "dead_letter": True},
        {"row": 4, "field": "Post ID", "reason": reason, "dead_letter": True},
    ]

    pipeline.drain()
    letters = dead_letters(pipeline, event)
    assert [(d["source"], d["field"], d["reason"]) for d in letters] == [
        ("export:facebook:posts.csv", "Post ID", reason)
    ] * 2
    for table in ("posts", "metrics"):
        stored = pipeline.store.query(f"SELECT post_id FROM {table} WHERE event = {{e:String}}", {"e": event})
        assert [row["post_id"] for row in stored] == [f"{PAGE}_{POST}"], table
    assert totals(pipeline, event, "facebook")["posts"] == 1


def test_every_stored_record_carries_the_source_the_collector_stamped_not_the_clients(pipeline):
    event, at = "source-stamp", "2024-10-26T10:00:00Z"
    base = {"event": event, "platform": "x", "source": "api:forged"}
    records = [
        {**base, "type": "post", "post_id": "1", "created_at": at},
        {**base, "type": "metrics", "post_id": "1", "observed_at": at, "likes": 2},
        {
            **base,
            "type": "interaction",
            "post_id": "1",
            "interaction_id": "i",
            "kind": "like",
            "occurred_at": at,
        },
        {**base, "type": "mention", "platform": "web", "url": "https://news.example/a", "published_at": at},
    ]
    body = b"\n".join(json.dumps(r).encode() for r in records)
    status, answer, _ = pipeline.post(body, headers={"X-Sada-Source": "crm-tool"})
    assert status == 200 and answer["accepted"] == len(records), answer
    status, _, _ = pipeline.post(json.dumps({**records[0], "post_id": "2"}).encode())
    assert status == 200

    pipeline.drain()
    for table in ("posts", "metrics", "interactions", "mentions"):
        found = pipeline.store.query(
            f"SELECT DISTINCT source FROM {table} WHERE event = {{e:String}} ORDER BY source", {"e": event}
        )
        expected = ["http:client", "http:crm-tool"] if table == "posts" else ["http:crm-tool"]
        assert [row["source"] for row in found] == expected, table
