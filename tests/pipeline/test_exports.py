"""Platform export files through ``POST /v1/imports`` and ``sada ingest``'s client, into the real
broker and chDB. Each file is written here with the documented headers (and a drifted variant),
with a broken row; the expected figures are computed from the rows written, then compared with the
stored summary."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
import openpyxl
import pytest
import xlwt
from harness import TOKEN, ndjson, run
from harness import post as post_events

from services.collector.client import ingest_files

COUNTERS = ("impressions", "reach", "views", "likes", "comments", "shares", "clicks", "saves")


async def _upload(url: str, body: bytes, token: str | None, params: dict[str, str]) -> tuple[int, dict]:
    headers = {"X-Sada-Source": "upload-test"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{url}/v1/imports", params=params, data=body, headers=headers) as response,
    ):
        return response.status, await response.json(content_type=None)


def upload(pipeline, body: bytes, token: str | None = TOKEN, **params: str) -> tuple[int, dict]:
    return run(_upload(pipeline.collector, body, token, params))


def summary(pipeline, event: str) -> dict:
    status, body = pipeline.get(f"{pipeline.reporter}/v1/events/{event}/summary")
    assert status == 200, body
    return body


def csv_bytes(rows: list[list[object]], bom: bool = False) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode()


def totals(**counters: int) -> dict:
    """Summary totals as DESIGN §4 defines them: unreported counters are 0 in totals."""
    figures = {name: counters.get(name, 0) for name in COUNTERS}
    figures["engagements"] = sum(figures[n] for n in ("likes", "comments", "shares", "clicks", "saves"))
    return figures


def check_totals(found: dict, posts: int, expected: dict) -> None:
    assert found["posts"] == posts
    assert {key: found[key] for key in expected} == expected


# --- X -----------------------------------------------------------------------------------------

X_NEW = [
    "Post id",
    "Date",
    "Post text",
    "Post Link",
    "Impressions",
    "Likes",
    "Engagements",
    "Bookmarks",
    "Shares",
    "New follows",
    "Replies",
    "Reposts",
    "Profile visits",
    "Detail Expands",
    "URL Clicks",
    "Hashtag Clicks",
    "Permalink Clicks",
]
X_POSTS = [
    {
        "id": "1850000000000000001",
        "date": "Sat, Oct 26, 2024",
        "impressions": 12_345,
        "likes": 210,
        "replies": 14,
        "reposts": 31,
        "quotes": 4,
        "url_clicks": 57,
        "bookmarks": 9,
        "text": "Opening, #AUSIM",
    },
    {
        "id": "1850000000000000002",
        "date": "Sun, Oct 27, 2024",
        "impressions": 8_020,
        "likes": 96,
        "replies": 3,
        "reposts": 12,
        "quotes": 1,
        "url_clicks": 20,
        "bookmarks": 2,
        "text": "Day 2 ‑ panels",
    },
    {
        "id": "1850000000000000003",
        "date": "Mon, Oct 28, 2024",
        "impressions": 1_002_003,
        "likes": 4_321,
        "replies": 77,
        "reposts": 500,
        "quotes": 0,
        "url_clicks": 1_200,
        "bookmarks": 88,
        "text": "Merci !",
    },
]


# The X columns whose cells go into records (x.py's table); Reposts only beside Quotes.
X_READ = {"post id", "date", "post text", "post link", "impressions", "likes", "replies", "quotes"}
X_READ |= {"url clicks", "bookmarks", "media views", "tweet id", "time", "tweet text", "tweet permalink"}
X_READ_WITH_QUOTES = X_READ | {"reposts", "retweets"}


def x_new_row(post: dict, header: list[str]) -> list[object]:
    values = {
        "post id": post["id"],
        "date": post["date"],
        "post text": post["text"],
        "post link": f"https://x.com/ausim/status/{post['id']}",
        "impressions": f"{post['impressions']:,}",
        "likes": post["likes"],
        "engagements": 999,
        "bookmarks": post["bookmarks"],
        "shares": 7,
        "new follows": 1,
        "replies": post["replies"],
        "reposts": post["reposts"],
        "profile visits": 5,
        "detail expands": 6,
        "url clicks": post["url_clicks"],
        "hashtag clicks": 2,
        "permalink clicks": 3,
        "quotes": post["quotes"],
        "video views": 11,
    }
    return [values[name.lower()] for name in header]


def test_x_post_activity_csv_with_a_drifted_header(pipeline):
    event = "x-import-2024"
    # Drifted: columns reordered and re-cased, a new "Quotes" column and an unknown "Video views".
    header = ["DATE", "post ID", "Impressions", "Quotes", "Video views"] + [
        name for name in X_NEW if name.lower() not in ("date", "post id", "impressions")
    ]
    broken = dict(X_POSTS[0], id="1850000000000000009", likes="12.5")
    lines = [
        header,
        x_new_row(X_POSTS[0], header),
        x_new_row(broken, header),
        [],
        x_new_row(X_POSTS[1], header),
        x_new_row(X_POSTS[2], header),
    ]
    status, answer = upload(pipeline, csv_bytes(lines), event=event, tz="Africa/Casablanca")

    assert status == 200, answer
    assert answer["format"] == "x" and answer["event"] == event
    assert answer["rows"] == len(X_POSTS) + 1
    assert answer["records"] == {"post": len(X_POSTS), "metrics": len(X_POSTS)}
    assert [(s["row"], s["field"], s["dead_letter"]) for s in answer["skipped"]] == [(3, "Likes", True)]
    assert "12.5" in answer["skipped"][0]["reason"]
    # Every column no record uses, as the file writes it, in the file's order.
    assert answer["unused_columns"] == [name for name in header if name.lower() not in X_READ_WITH_QUOTES]
    assert "Video views" in answer["unused_columns"] and answer["notes"] == []

    pipeline.drain()
    found = summary(pipeline, event)
    check_totals(
        found["totals"],
        len(X_POSTS),
        totals(
            impressions=sum(p["impressions"] for p in X_POSTS),
            likes=sum(p["likes"] for p in X_POSTS),
            comments=sum(p["replies"] for p in X_POSTS),
            shares=sum(p["reposts"] + p["quotes"] for p in X_POSTS),
            clicks=sum(p["url_clicks"] for p in X_POSTS),
            saves=sum(p["bookmarks"] for p in X_POSTS),
        ),
    )
    assert found["rejected"] == 1
    midnight = datetime(2024, 10, 26, tzinfo=ZoneInfo("Africa/Casablanca")).astimezone(UTC)
    row = pipeline.store.query(
        "SELECT created_at, text FROM posts FINAL WHERE event = {e:String} AND post_id = {p:String}",
        {"e": event, "p": X_POSTS[0]["id"]},
    )[0]
    assert row["created_at"].replace(tzinfo=UTC) == midnight and row["text"] == X_POSTS[0]["text"]


LEGACY = [
    "Tweet id",
    "Tweet permalink",
    "Tweet text",
    "time",
    "impressions",
    "engagements",
    "engagement rate",
    "retweets",
    "replies",
    "likes",
    "user profile clicks",
    "url clicks",
    "hashtag clicks",
    "detail expands",
    "permalink clicks",
    "app opens",
    "app installs",
    "follows",
    "email tweet",
    "dial phone",
    "media views",
    "media engagements",
]
LEGACY_POSTS = [
    {
        "id": "1585000000000000001",
        "time": "2022-10-26 09:12 +0000",
        "impressions": 5_400,
        "retweets": 40,
        "replies": 12,
        "likes": 310,
        "url clicks": 25,
        "media views": 1_900,
    },
    {
        "id": "1585000000000000002",
        "time": "2022-10-27 15:00 +0100",
        "impressions": 2_100,
        "retweets": 8,
        "replies": 2,
        "likes": 75,
        "url clicks": 0,
        "media views": 0,
    },
]


def legacy_row(post: dict) -> list[object]:
    values = {
        "tweet id": post["id"],
        "tweet permalink": f"https://twitter.com/ausim/status/{post['id']}",
        "tweet text": "AUSIM 2022",
        "engagements": 400,
        "engagement rate": 0.074,
    }
    return [values.get(name.lower(), post.get(name.lower(), 0)) for name in LEGACY]


def test_sada_ingest_sends_exports_to_the_import_endpoint_and_ndjson_to_events(pipeline, tmp_path):
    event = "ingest-mix-2022"
    legacy = tmp_path / "tweet_activity_metrics.csv"
    broken = legacy_row(dict(LEGACY_POSTS[0], id="1585000000000000009", impressions="-5"))
    legacy.write_bytes(csv_bytes([LEGACY, legacy_row(LEGACY_POSTS[0]), broken, legacy_row(LEGACY_POSTS[1])]))
    # No extension: the X header, not the name, sends it to the import endpoint.
    unnamed = tmp_path / "export-copy"
    unnamed.write_bytes(csv_bytes([X_NEW, x_new_row(X_POSTS[0], X_NEW)]))
    records = [
        {
            "type": "post",
            "event": event,
            "platform": "youtube",
            "post_id": "yt-1",
            "created_at": "2022-10-26T10:00:00Z",
        },
        {
            "type": "metrics",
            "event": event,
            "platform": "youtube",
            "post_id": "yt-1",
            "observed_at": "2022-10-28T10:00:00Z",
            "views": 777,
            "likes": 7,
        },
    ]
    ndjson = tmp_path / "records.ndjson"
    ndjson.write_bytes(b"\n".join(json.dumps(r).encode() for r in records) + b"\n{broken\n")

    report = run(ingest_files(pipeline.collector, TOKEN, [legacy, ndjson, unnamed], event=event))

    assert [(i["file"], i["format"]) for i in report.imports] == [(legacy.name, "x"), (unnamed.name, "x")]
    assert report.accepted == 2 * len(LEGACY_POSTS) + 2 + len(records)
    assert [(r["file"], r["line"], r["field"]) for r in report.rejected] == [
        (legacy.name, 3, "impressions"),
        (ndjson.name, 3, ""),
    ]

    pipeline.drain()
    found = summary(pipeline, event)
    posts = LEGACY_POSTS + X_POSTS[:1]
    check_totals(
        found["totals"],
        len(posts) + 1,
        totals(
            impressions=sum(p["impressions"] for p in posts),
            views=sum(p["media views"] for p in LEGACY_POSTS) + records[1]["views"],
            likes=sum(p["likes"] for p in posts) + records[1]["likes"],
            comments=sum(p["replies"] for p in posts),
            # Neither X file has a Quotes column: their reposts are not shares (x.py).
            clicks=sum(p["url clicks"] for p in LEGACY_POSTS) + X_POSTS[0]["url_clicks"],
            saves=X_POSTS[0]["bookmarks"],
        ),
    )
    account = report.account()
    for path, header, reposts in ((legacy, LEGACY, "retweets"), (unnamed, X_NEW, "Reposts")):
        unused = [name for name in header if name.lower() not in X_READ]
        assert f"  {path.name}: columns not used: {', '.join(unused)}" in account
        assert any(
            line.startswith(f"  {path.name}: {reposts} not used as shares: this file has no Quotes column")
            for line in account
        ), account


def x_api_snapshot(event: str, post: dict, observed: str) -> dict:
    """A metrics record as the X poller maps ``GET /2/tweets`` (PLATFORMS.md, X mapping:
    shares ← retweet_count + quote_count)."""
    public = {
        "retweet_count": post["reposts"],
        "quote_count": post["quotes"],
        "like_count": post["likes"],
        "reply_count": post["replies"],
        "impression_count": post["impressions"],
        "bookmark_count": post["bookmarks"],
    }
    return {
        "type": "metrics",
        "event": event,
        "platform": "x",
        "post_id": post["id"],
        "observed_at": observed,
        "shares": public["retweet_count"] + public["quote_count"],
        "likes": public["like_count"],
        "comments": public["reply_count"],
        "impressions": public["impression_count"],
        "saves": public["bookmark_count"],
    }


def test_an_x_export_without_quotes_never_lowers_the_apis_shares(pipeline):
    """Item 3: X's shares are reposts + quotes. An export without Quotes, arriving after the API,
    leaves the API's shares; an export-only post has no shares figure; a file with Quotes gives
    shares as the API would."""
    event = "x-shares-2024"
    polled, exported = X_POSTS[0], X_POSTS[1]
    hour_ago = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    post = {"type": "post", "event": event, "platform": "x", "post_id": polled["id"]}
    records = [{**post, "created_at": "2024-10-26T09:00:00Z"}, x_api_snapshot(event, polled, hour_ago)]
    status, answer, _ = run(post_events(pipeline.collector, ndjson(records)))
    assert status == 200, answer
    pipeline.drain()

    later = dict(polled, likes=polled["likes"] + 10, reposts=polled["reposts"] + 5)
    status, answer = upload(
        pipeline, csv_bytes([X_NEW, x_new_row(later, X_NEW), x_new_row(exported, X_NEW)]), event=event
    )
    assert status == 200, answer
    assert "Reposts" in answer["unused_columns"]
    assert [note.split(":")[0] for note in answer["notes"]] == ["Reposts not used as shares"]
    pipeline.drain()

    found = summary(pipeline, event)["totals"]
    assert found["shares"] == polled["reposts"] + polled["quotes"]  # the API's, not the file's reposts
    assert found["likes"] == later["likes"] + exported["likes"]  # the export's later figures count
    shares = pipeline.store.query(
        "SELECT post_id, shares FROM metrics FINAL WHERE event = {e:String} ORDER BY post_id, observed_at",
        {"e": event},
    )
    assert [(row["post_id"], row["shares"]) for row in shares] == [
        (polled["id"], polled["reposts"] + polled["quotes"]),
        (polled["id"], None),
        (exported["id"], None),
    ]

    header = [*X_NEW, "Quotes"]
    status, answer = upload(pipeline, csv_bytes([header, x_new_row(later, header)]), event=event)
    assert status == 200 and answer["notes"] == [] and "Reposts" not in answer["unused_columns"], answer
    pipeline.drain()
    assert summary(pipeline, event)["totals"]["shares"] == later["reposts"] + later["quotes"]


# --- LinkedIn ----------------------------------------------------------------------------------

LI_HEADER = [
    "Post title",
    "Post link",
    "Post type",
    "Campaign name",
    "Posted by",
    "Created date",
    "Campaign start date",
    "Campaign end date",
    "Audience",
    "Impressions",
    "Views",
    "Offsite Views",
    "Clicks",
    "Click through rate (CTR)",
    "Likes",
    "Comments",
    "Reposts",
    "Follows",
    "Engagement rate",
    "Content Type",
]
LI_POSTS = [
    {
        "urn": "urn:li:activity:7254000000000000001",
        "created": datetime(2024, 10, 23),
        "impressions": 5_400,
        "views": 0,
        "clicks": 120,
        "likes": 310,
        "comments": 12,
        "reposts": 9,
        "type": "Image",
    },
    {
        "urn": "urn:li:activity:7254000000000000002",
        "created": "10/24/2024",
        "impressions": 9_800,
        "views": 2_300,
        "clicks": 230,
        "likes": 480,
        "comments": 31,
        "reposts": 22,
        "type": "Video",
    },
    {
        "urn": "urn:li:activity:7254000000000000003",
        "created": datetime(2024, 10, 25, 14, 30),
        "impressions": 1_250,
        "views": 0,
        "clicks": 15,
        "likes": 44,
        "comments": 0,
        "reposts": 1,
        "type": "Text",
    },
]


def li_row(post: dict, header: list[str]) -> list[object]:
    values = {
        "post title": f"Post {post['created']}",
        "post link": f"https://www.linkedin.com/feed/update/{post['urn']}" if post["urn"] else None,
        "post type": "Organic",
        "posted by": "Comms team",
        "created date": post["created"],
        "audience": "All followers",
        "offsite views": 3,
        "click through rate (ctr)": 0.02,
        "follows": 1,
        "engagement rate": 0.08,
        "content type": post["type"],
        **post,
    }
    return [values.get(name.lower()) for name in header]


def test_linkedin_page_export_xlsx_and_legacy_xls(pipeline):
    event, legacy_event = "li-import-2024", "li-xls-2024"
    header = LI_HEADER[::-1] + ["A column LinkedIn added"]  # drifted: reversed order, one new column
    book = openpyxl.Workbook()
    book.active.title = "Metrics"
    book.active.append(["Date", "Impressions (organic)"])
    sheet = book.create_sheet("All posts")
    sheet.append(["All posts: metrics of each post published in the period. Export of 2024-10-31."])
    sheet.append([])
    sheet.append(header)
    for post in LI_POSTS[:2]:
        sheet.append(li_row(post, header))
    sheet.append(li_row(dict(LI_POSTS[0], urn="urn:li:activity:7254000000000000009", likes="many"), header))
    sheet.append(li_row(dict(LI_POSTS[0], urn=None), header))
    sheet.append(li_row(LI_POSTS[2], header))
    body = io.BytesIO()
    book.save(body)

    status, answer = upload(pipeline, body.getvalue(), event=event)
    assert status == 200, answer
    assert answer["format"] == "linkedin" and answer["rows"] == len(LI_POSTS) + 2
    assert [(s["row"], s["field"]) for s in answer["skipped"]] == [(6, "Likes"), (7, "Post link")]

    xls = xlwt.Workbook()
    old = xls.add_sheet("All posts")
    old.write(0, 0, "All posts")
    for column, name in enumerate(LI_HEADER):
        old.write(1, column, name)
    for number, post in enumerate(LI_POSTS[:2], start=2):
        for column, value in enumerate(li_row(dict(post, created="10/24/2024"), LI_HEADER)):
            if value is not None:
                old.write(number, column, value)
    legacy = io.BytesIO()
    xls.save(legacy)
    status, answer = upload(pipeline, legacy.getvalue(), event=legacy_event, format="linkedin")
    assert status == 200 and answer["records"] == {"post": 2, "metrics": 2}, answer

    pipeline.drain()
    found = summary(pipeline, event)
    expected = totals(
        impressions=sum(p["impressions"] for p in LI_POSTS),
        views=sum(p["views"] for p in LI_POSTS),
        clicks=sum(p["clicks"] for p in LI_POSTS),
        likes=sum(p["likes"] for p in LI_POSTS),
        comments=sum(p["comments"] for p in LI_POSTS),
        shares=sum(p["reposts"] for p in LI_POSTS),
    )
    check_totals(found["totals"], len(LI_POSTS), expected)
    assert found["engagement_rate"]["by_impressions"] == pytest.approx(
        expected["engagements"] / expected["impressions"], rel=1e-3
    )
    assert found["rejected"] == 2
    ids = pipeline.store.query(
        "SELECT post_id FROM posts FINAL WHERE event = {e:String} ORDER BY post_id", {"e": event}
    )
    assert [r["post_id"] for r in ids] == sorted(p["urn"] for p in LI_POSTS)
    check_totals(
        summary(pipeline, legacy_event)["totals"],
        2,
        totals(
            **{
                name: sum(p[key] for p in LI_POSTS[:2])
                for name, key in (
                    ("impressions", "impressions"),
                    ("views", "views"),
                    ("clicks", "clicks"),
                    ("likes", "likes"),
                    ("comments", "comments"),
                    ("shares", "reposts"),
                )
            }
        ),
    )


# --- Meta Business Suite -----------------------------------------------------------------------

FB_HEADER = [
    "Post ID",
    "Page ID",
    "Page name",
    "Title",
    "Description",
    "Duration (sec)",
    "Publish time",
    "Caption type",
    "Permalink",
    "Is crosspost",
    "Post type",
    "Languages",
    "Views",
    "Reach",
    "Reactions, Comments and Shares",
    "Reactions",
    "Comments",
    "Shares",
    "Total clicks",
    "Link clicks",
    "Other clicks",
]
FB_POSTS = [
    {
        "Post ID": "1067_201",
        "Publish time": "10/26/2024 09:12",
        "Views": 8_100,
        "Reach": 5_600,
        "Reactions": 320,
        "Comments": 41,
        "Shares": 17,
        "Total clicks": 260,
        "Post type": "Photos",
    },
    {
        "Post ID": "1067_202",
        "Publish time": "10/27/2024 18:40",
        "Views": 25_000,
        "Reach": 14_000,
        "Reactions": 1_210,
        "Comments": 95,
        "Shares": 60,
        "Total clicks": 700,
        "Post type": "Reels",
    },
]
IG_HEADER = [
    "Post ID",
    "Account ID",
    "Account username",
    "Account name",
    "Description",
    "Duration (sec)",
    "Publish time",
    "Permalink",
    "Post type",
    "Data comment",
    "Date",
    "Views",
    "Reach",
    "Likes",
    "Shares",
    "Follows",
    "Comments",
    "Saves",
]
IG_POSTS = [
    {
        "Post ID": "17900000000000001",
        "Publish time": "10/26/2024 10:00",
        "Views": 4_000,
        "Reach": 2_500,
        "Likes": 380,
        "Shares": 22,
        "Comments": 19,
        "Saves": 31,
        "Post type": "IG carousel",
    },
    {
        "Post ID": "17900000000000002",
        "Publish time": "10/27/2024 12:30",
        "Views": 12_000,
        "Reach": 7_100,
        "Likes": 910,
        "Shares": 64,
        "Comments": 40,
        "Saves": 77,
        "Post type": "IG reel",
    },
]


def meta_row(post: dict, header: list[str]) -> list[object]:
    values = {
        name.lower(): value
        for name, value in {
            "Page name": "AUSIM",
            "Description": "Post",
            "Date": "Lifetime",
            "Reactions, Comments and Shares": 1,
            "Account username": "ausim",
            **post,
        }.items()
    }
    return [values.get(name.lower(), "") for name in header]


def test_meta_business_suite_facebook_and_instagram_csv(pipeline):
    event = "meta-import-2024"
    # Drifted Facebook header: re-cased, a column dropped ("Languages"), one added.
    fb_header = [
        name.upper() if name == "Publish time" else name for name in FB_HEADER if name != "Languages"
    ]
    fb_header.append("Estimated earnings (USD)")
    fb_lines = (
        [fb_header]
        + [meta_row(p, fb_header) for p in FB_POSTS]
        + [meta_row(dict(FB_POSTS[0], **{"Post ID": "1067_299", "Publish time": "yesterday"}), fb_header)]
    )
    status, answer = upload(pipeline, csv_bytes(fb_lines, bom=True), event=event)
    assert status == 200, answer
    assert answer["format"] == "facebook"
    assert [(s["row"], s["field"]) for s in answer["skipped"]] == [(len(FB_POSTS) + 2, "PUBLISH TIME")]

    lifetime = [
        "" if name not in ("Views", "Reach", "Likes", "Shares", "Comments", "Saves", "Date") else "Lifetime"
        for name in IG_HEADER
    ]
    ig_lines = (
        [IG_HEADER, lifetime]
        + [meta_row(p, IG_HEADER) for p in IG_POSTS]
        + [meta_row(dict(IG_POSTS[0], **{"Post ID": "17900000000000009", "Shares": "1.5"}), IG_HEADER)]
    )
    status, answer = upload(pipeline, csv_bytes(ig_lines, bom=True), event=event)
    assert status == 200, answer
    assert answer["format"] == "instagram" and answer["rows"] == len(IG_POSTS) + 2
    assert [(s["row"], s["field"], s["dead_letter"]) for s in answer["skipped"]] == [
        (2, "", False),
        (len(IG_POSTS) + 3, "Shares", True),
    ]
    assert "Lifetime" in answer["skipped"][0]["reason"]

    pipeline.drain()
    found = summary(pipeline, event)
    check_totals(
        found["platforms"]["facebook"]["totals"],
        len(FB_POSTS),
        totals(
            views=sum(p["Views"] for p in FB_POSTS),
            reach=sum(p["Reach"] for p in FB_POSTS),
            likes=sum(p["Reactions"] for p in FB_POSTS),
            comments=sum(p["Comments"] for p in FB_POSTS),
            shares=sum(p["Shares"] for p in FB_POSTS),
            clicks=sum(p["Total clicks"] for p in FB_POSTS),
        ),
    )
    check_totals(
        found["platforms"]["instagram"]["totals"],
        len(IG_POSTS),
        totals(
            **{
                name.lower(): sum(p[name] for p in IG_POSTS)
                for name in ("Views", "Reach", "Likes", "Shares", "Comments", "Saves")
            }
        ),
    )
    assert found["rejected"] == 2
    media = pipeline.store.query(
        "SELECT media, count() AS n FROM posts FINAL WHERE event = {e:String} GROUP BY media ORDER BY media",
        {"e": event},
    )
    assert media == [{"media": "carousel", "n": 1}, {"media": "image", "n": 1}, {"media": "video", "n": 2}]


# --- YouTube -----------------------------------------------------------------------------------

YT_HEADER = [
    "Content",
    "Video title",
    "Video publish time",
    "Duration",
    "Views",
    "Engaged views",
    "Watch time (hours)",
    "Subscribers",
    "Impressions",
    "Impressions click-through rate (%)",
    "Likes",
    "Comments added",
    "Shares",
]
YT_VIDEOS = [
    {
        "Content": "dQw4w9WgXcQ",
        "Video publish time": "Oct 26, 2024",
        "Views": 120_000,
        "Impressions": 900_000,
        "Likes": 4_100,
        "Comments added": 230,
        "Shares": 310,
    },
    {
        "Content": "aBcDeFgHiJk",
        "Video publish time": "Oct 27, 2024",
        "Views": 64_000,
        "Impressions": 410_000,
        "Likes": 1_900,
        "Comments added": 88,
        "Shares": 75,
    },
]


def test_youtube_studio_table_data_skips_the_total_row(pipeline):
    event = "yt-import-2024"
    broken = dict(YT_VIDEOS[0], Content="zzzzzzzzzzz", **{"Video publish time": "last week"})
    total = {
        name: sum(v[name] for v in YT_VIDEOS + [broken])
        for name in ("Views", "Impressions", "Likes", "Comments added", "Shares")
    }
    rows = [{"Content": "Total", **total}] + YT_VIDEOS + [broken]
    lines = [YT_HEADER] + [
        [row.get(name, 1.5 if name == "Watch time (hours)" else "") for name in YT_HEADER] for row in rows
    ]
    observed = "2024-10-31T18:00:00+01:00"
    status, answer = upload(pipeline, csv_bytes(lines), event=event, observed_at=observed)

    assert status == 200, answer
    assert answer["format"] == "youtube" and answer["rows"] == len(rows)
    assert [(s["row"], s["field"], s["dead_letter"]) for s in answer["skipped"]] == [
        (2, "", False),
        (len(rows) + 1, "Video publish time", True),
    ]

    pipeline.drain()
    check_totals(
        summary(pipeline, event)["totals"],
        len(YT_VIDEOS),
        totals(
            views=sum(v["Views"] for v in YT_VIDEOS),
            impressions=sum(v["Impressions"] for v in YT_VIDEOS),
            likes=sum(v["Likes"] for v in YT_VIDEOS),
            comments=sum(v["Comments added"] for v in YT_VIDEOS),
            shares=sum(v["Shares"] for v in YT_VIDEOS),
        ),
    )
    stamps = pipeline.store.query(
        "SELECT DISTINCT observed_at FROM metrics FINAL WHERE event = {e:String}", {"e": event}
    )
    assert [s["observed_at"].replace(tzinfo=UTC) for s in stamps] == [datetime.fromisoformat(observed)]
    urls = pipeline.store.query(
        "SELECT url FROM posts FINAL WHERE event = {e:String} ORDER BY url", {"e": event}
    )
    assert [u["url"] for u in urls] == sorted(
        f"https://www.youtube.com/watch?v={v['Content']}" for v in YT_VIDEOS
    )


# --- NDJSON and whole-request answers ----------------------------------------------------------


def test_ndjson_import_and_whole_request_answers(pipeline):
    event = "ndjson-import-2024"
    records = [
        {
            "type": "post",
            "event": event,
            "platform": "tiktok",
            "post_id": f"tt-{n}",
            "created_at": "2024-10-26T10:00:00Z",
        }
        for n in range(3)
    ]
    body = b"\n".join(json.dumps(r).encode() for r in records) + b'\n{"type": "post"}\n'
    status, answer = upload(pipeline, body)
    assert status == 200 and answer["format"] == "ndjson" and answer["event"] is None
    assert answer["records"] == {"post": len(records)}
    assert [(s["row"], s["dead_letter"]) for s in answer["skipped"]] == [(len(records) + 1, True)]

    x_file = csv_bytes([X_NEW, x_new_row(X_POSTS[0], X_NEW)])
    assert upload(pipeline, x_file, token=None, event=event)[0] == 401
    assert upload(pipeline, x_file, token="not-a-token", event=event)[0] == 403
    refused = {
        "unknown format": (upload(pipeline, x_file, event=event, format="myspace"), "ndjson, x, linkedin"),
        "no event": (upload(pipeline, x_file), "event="),
        "bad slug": (upload(pipeline, x_file, event="Not A Slug"), "must match"),
        "bad tz": (upload(pipeline, x_file, event=event, tz="Mars/Olympus"), "IANA"),
        "naive observed_at": (
            upload(pipeline, x_file, event=event, observed_at="2024-10-31 18:00"),
            "offset",
        ),
        "empty": (upload(pipeline, b"  \n", event=event), "empty"),
        "unknown header": (upload(pipeline, b"a,b,c\n1,2,3\n", event=event), "no known export header"),
        "wrong format": (upload(pipeline, x_file, event=event, format="youtube"), "'content' or 'video'"),
        "broken xls": (
            upload(pipeline, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, event=event),
            "save it as .xlsx",
        ),
        "header only": (upload(pipeline, csv_bytes([X_NEW]), event=event), "no rows"),
    }
    for case, ((status, answer), words) in refused.items():
        assert status == 400 and words in answer["error"], (case, answer)
    status, answer = upload(
        pipeline, csv_bytes([X_NEW, x_new_row(dict(X_POSTS[0], likes=-1), X_NEW)]), event=event
    )
    assert status == 422 and answer["accepted"] == 0 and answer["dead_letters"] == 1
