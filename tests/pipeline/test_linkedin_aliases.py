"""One LinkedIn post seen through the page export (``urn:li:activity:…``) and through the API
poller (``urn:li:share:…``/``urn:li:ugcPost:…``) is one post when LinkedIn links the two, in
either arrival order; an activity nothing links keeps its URN and the import answer says so.
Real broker and chDB; the LinkedIn API is the stand-in of tests/harness/linkedin.py."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import stat
from collections.abc import Iterator
from datetime import timedelta

import aiohttp
import openpyxl
import pytest
from harness import TOKEN, RunningPipeline, Served, pipeline_settings, run
from harness.linkedin import NOT_ALLOWED, LinkedInApi
from harness.pollers import NOW, Recorder, one_pass, stored_posts, totals, tracked_event
from yarl import URL

from services.collector.aliases import table_path
from services.collector.pollers.linkedin import LinkedInPoller
from shared.settings import LinkedInSettings, PollingSettings

ORG = "urn:li:organization:77"
API_TOKEN = "li-alias-token"
SECRET = "li-alias-client-secret"
HEADER = ["Post title", "Post link", "Created date", "Impressions", "Clicks", "Likes", "Comments", "Reposts"]
# Activity URN → the post LinkedIn resolves it to; each test its own pair.
EXPORT_FIRST = ("urn:li:activity:7300000000000000001", "urn:li:share:7300000000000000101")
POLLER_FIRST = ("urn:li:activity:7300000000000000002", "urn:li:ugcPost:7300000000000000102")
FROM_WEBHOOK = ("urn:li:activity:7300000000000000003", "urn:li:share:7300000000000000103")
UNKNOWN = "urn:li:activity:7300000000000000009"
REACTION = "urn:li:activity:7300000000000000008"


@pytest.fixture(scope="module")
def api() -> Iterator[tuple[LinkedInApi, Served]]:
    fake = LinkedInApi(API_TOKEN, ORG)
    for n, (activity, post) in enumerate((EXPORT_FIRST, POLLER_FIRST, FROM_WEBHOOK), start=1):
        fake.activities[activity] = post
        fake.posts.append(
            {
                "id": post,
                "author": ORG,
                "publishedAt": int((NOW - timedelta(minutes=10 * n)).timestamp() * 1000),
                "commentary": f"Jour {n} du #Sada2026",
                "lifecycleState": "PUBLISHED",
            }
        )
        fake.statistics[post] = {"impressionCount": 1000 * n, "likeCount": 10 * n, "clickCount": n}
    fake.reactions.add(REACTION)
    with Served(fake.app()) as served:
        yield fake, served


@pytest.fixture(scope="module")
def pipeline(broker, chdb_dir, api, tmp_path_factory) -> Iterator[RunningPipeline]:
    _, served = api
    linkedin = LinkedInSettings(base_url=f"{served.url}/rest", token=API_TOKEN, client_secret=SECRET)
    polling = PollingSettings(state_dir=tmp_path_factory.mktemp("li-alias-state"), retries=0, timeout_s=5.0)
    settings = pipeline_settings(broker, chdb_dir, "lialias", linkedin=linkedin, polling=polling)
    with RunningPipeline(settings) as running:
        yield running


def export(*activities: str) -> bytes:
    """A LinkedIn page content export whose rows link ``activities``."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "All posts"
    sheet.append(["All posts: metrics of each post published in the period."])
    sheet.append(HEADER)
    for n, activity in enumerate(activities, start=1):
        link = f"https://www.linkedin.com/feed/update/{activity}"
        sheet.append([f"Post {n}", link, NOW.replace(tzinfo=None), 500 * n, n, 5 * n, n, 0])
    body = io.BytesIO()
    book.save(body)
    return body.getvalue()


async def _post(url: str, body: bytes, params: dict[str, str], headers: dict[str, str]) -> tuple[int, dict]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, params=params, data=body, headers=headers) as r,
    ):
        return r.status, await r.json(content_type=None)


def upload(pipeline: RunningPipeline, body: bytes, event: str) -> tuple[int, dict]:
    headers = {"Authorization": f"Bearer {TOKEN}", "X-Sada-Source": "li-export.xlsx"}
    return run(_post(f"{pipeline.collector}/v1/imports", body, {"event": event}, headers))


def asked(served: Served) -> list[str]:
    """The activity URNs each activities call asked for, in order."""
    return [q["ids"] for q in served.paths("/rest/dmaActivities")]


def poll(pipeline: RunningPipeline, event: str) -> Recorder:
    recorder = Recorder(pipeline)
    one_pass(LinkedInPoller, pipeline.local.settings, tracked_event(event, "linkedin", ORG), recorder)
    return recorder


def test_export_first_then_poller_counts_the_post_once(pipeline, api):
    fake, served = api
    activity, post = EXPORT_FIRST
    event = "li-alias-export-first"
    status, answer = upload(pipeline, export(activity, UNKNOWN), event)
    assert status == 200, answer
    assert asked(served)[-1] == f"List({activity},{UNKNOWN})"
    [note] = answer["notes"]
    assert note.startswith("1 LinkedIn post kept under their activity URN: the activities API answered 404")
    assert UNKNOWN in note and "count twice" in note

    recorder = poll(pipeline, event)
    assert post in {r.post_id for r in recorder.of("post")}
    pipeline.drain()
    polled = sorted(p["id"] for p in fake.posts)
    assert stored_posts(pipeline, event) == sorted([*polled, UNKNOWN])
    assert totals(pipeline, event, "linkedin")["posts"] == len(polled) + 1
    assert json.loads(table_path(pipeline.local.settings).read_text())["links"][activity] == post


def test_poller_first_then_export_counts_the_post_once(pipeline, api):
    fake, served = api
    activity, post = POLLER_FIRST
    event = "li-alias-poller-first"
    poll(pipeline, event)
    status, answer = upload(pipeline, export(activity), event)
    assert status == 200 and answer["notes"] == [], answer
    assert asked(served)[-1] == f"List({activity})"
    pipeline.drain()
    assert stored_posts(pipeline, event) == sorted(p["id"] for p in fake.posts)
    rows = pipeline.store.query(
        "SELECT impressions FROM metrics WHERE event = {e:String} AND post_id = {p:String}",
        {"e": event, "p": post},
    )
    assert 500 in [row["impressions"] for row in rows]  # the export's snapshot is on the API's post


def test_a_webhook_delivery_teaches_the_link_and_the_import_does_not_ask(pipeline, api):
    _, served = api
    activity, post = FROM_WEBHOOK
    event = "li-alias-webhook"
    comment = f"urn:li:comment:({activity},7300000000000000555)"
    notification = {
        "notificationId": 99001,
        "action": "COMMENT",
        "organizationalEntity": ORG,
        "sourcePost": activity,
        "decoratedSourcePost": {"owner": ORG, "entity": post, "text": "Jour 3 du #Sada2026"},
        "generatedActivity": comment,
        "decoratedGeneratedActivity": {
            "comment": {"owner": "urn:li:person:p7", "text": "Bravo", "entity": comment, "object": activity}
        },
        "lastModifiedAt": int(NOW.timestamp() * 1000),
    }
    body = json.dumps({"type": "ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS", "notifications": [notification]})
    signature = hmac.new(SECRET.encode(), b"hmacsha256=" + body.encode(), hashlib.sha256).hexdigest()
    url = f"{pipeline.collector}/v1/webhooks/linkedin/{event}"
    status, answer = run(_post(url, body.encode(), {}, {"X-LI-Signature": signature}))
    assert status == 200 and answer["accepted"] == 1, answer

    path = table_path(pipeline.local.settings)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert API_TOKEN not in path.read_text()

    calls = len(asked(served))
    status, answer = upload(pipeline, export(activity), event)
    assert status == 200 and answer["notes"] == [], answer
    assert len(asked(served)) == calls  # the table answered
    pipeline.drain()
    assert stored_posts(pipeline, event) == [post]
    interactions = pipeline.store.query(
        "SELECT post_id FROM interactions FINAL WHERE event = {e:String}", {"e": event}
    )
    assert interactions == [{"post_id": post}]


def test_an_api_refusal_keeps_the_import_and_says_why(pipeline, api):
    event = "li-alias-refused"
    status, answer = upload(pipeline, export(REACTION), event)
    assert status == 200 and answer["accepted"] == 2, answer
    [note] = answer["notes"]
    assert "answered 403" in note and NOT_ALLOWED in note and "count twice" in note
    pipeline.drain()
    assert stored_posts(pipeline, event) == [REACTION]
    assert REACTION not in json.loads(table_path(pipeline.local.settings).read_text())["links"]


def test_the_fake_refuses_what_linkedin_refuses(api):
    _, served = api
    listed = "List(urn%3Ali%3Aactivity%3A7300000000000000001)"

    async def get(query: str, headers: dict[str, str]) -> int:
        url = URL(f"{served.url}/rest/dmaActivities?{query}", encoded=True)
        async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as response:
            return response.status

    full = {
        "Authorization": f"Bearer {API_TOKEN}",
        "LinkedIn-Version": "202601",
        "X-Restli-Protocol-Version": "2.0.0",
    }
    assert run(get(f"ids={listed}", full)) == 200
    assert run(get(f"ids={listed}", {k: v for k, v in full.items() if k != "LinkedIn-Version"})) == 400
    assert (
        run(get(f"ids={listed}", {k: v for k, v in full.items() if k != "X-Restli-Protocol-Version"})) == 400
    )
    assert run(get(f"ids={listed}", {**full, "Authorization": "Bearer wrong"})) == 401
    assert run(get("ids=List(urn:li:activity:7300000000000000001)", full)) == 400
