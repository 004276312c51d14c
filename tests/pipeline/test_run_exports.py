"""``sada run --input FILE… --event E --out D`` on every export sada reads, in a child process (its
own local mode: Tansu broker and chDB), and the one-line answers of ``sada run`` and ``sada ingest``
to a command line they cannot carry out.

The files are written here with the headers the platforms use today (PLATFORMS.md, Native export
files and Field notes); the expected figures are computed from the rows written."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest
import xlwt
from harness import sada

EVENT = "ausim-2024"
REGISTRY = f'[[events]]\nslug = "{EVENT}"\ntimezone = "Africa/Casablanca"\n'


def write_csv(path: Path, rows: list[list[object]], bom: bool = False) -> Path:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode())
    return path


def table(header: list[str], rows: list[dict]) -> list[list[object]]:
    return [header] + [[row.get(name, "") for name in header] for row in rows]


# Each platform's rows, keyed by the file's own column names; `expected` says which column
# feeds which summary counter (the documented mapping), so the figures come from the rows.
X_NEW = ["Post id", "Date", "Post text", "Post Link", "Impressions", "Likes", "Engagements", "Bookmarks"]
X_NEW += ["Shares", "New follows", "Replies", "Reposts", "Profile visits", "Detail Expands", "URL Clicks"]
X_NEW_ROWS = [
    {"Post id": "1850000000000000001", "Date": "Sat, Oct 26, 2024", "Impressions": "12,345", "Likes": 210}
    | {"Bookmarks": 9, "Replies": 14, "Reposts": 31, "URL Clicks": 57, "Engagements": 400, "Shares": 3},
    {"Post id": "1850000000000000002", "Date": "Sun, Oct 27, 2024", "Impressions": "8,020", "Likes": 96}
    | {"Bookmarks": 2, "Replies": 3, "Reposts": 12, "URL Clicks": 20, "Engagements": 150, "Shares": 1},
]
X_LEGACY = ["Tweet id", "Tweet permalink", "Tweet text", "time", "impressions", "engagements"]
X_LEGACY += ["engagement rate", "retweets", "replies", "likes", "url clicks", "media views"]
X_LEGACY_ROWS = [
    {"Tweet id": "1585000000000000001", "time": "2024-10-26 09:12 +0000", "impressions": 5_400}
    | {"retweets": 40, "replies": 12, "likes": 310, "url clicks": 25, "media views": 1_900, "engagements": 9},
]
LI_HEADER = ["Post title", "Post link", "Post type", "Posted by", "Created date", "Impressions"]
LI_HEADER += ["Views (excluding offsite video views)", "Offsite Views", "Clicks", "Click through rate (CTR)"]
LI_HEADER += ["Likes", "Comments", "Reposts", "Follows", "Engagement rate", "Content Type"]
LI_ROWS = [
    {"Post link": "https://www.linkedin.com/feed/update/urn:li:activity:7254000000000000001"}
    | {"Created date": "10/24/2024", "Impressions": 5_400, "Views (excluding offsite video views)": 800}
    | {
        "Offsite Views": 50,
        "Clicks": 120,
        "Likes": 310,
        "Comments": 12,
        "Reposts": 9,
        "Content Type": "Video",
    },
    {"Post link": "https://www.linkedin.com/feed/update/urn:li:activity:7254000000000000002"}
    | {"Created date": "10/25/2024", "Impressions": 9_800, "Views (excluding offsite video views)": 0}
    | {
        "Offsite Views": 0,
        "Clicks": 230,
        "Likes": 480,
        "Comments": 31,
        "Reposts": 22,
        "Content Type": "Image",
    },
]
LI_OLD_HEADER = [name.replace("Views (excluding offsite video views)", "Views") for name in LI_HEADER]
LI_OLD_ROWS = [
    {"Post link": "https://www.linkedin.com/feed/update/urn:li:activity:7254000000000000003"}
    | {"Created date": "10/26/2024", "Impressions": 1_250, "Views": 300, "Clicks": 15, "Likes": 44}
    | {"Comments": 2, "Reposts": 1, "Content Type": "Video"},
]
FB_HEADER = ["Post ID", "Page ID", "Page name", "Title", "Description", "Publish time", "Permalink"]
FB_HEADER += ["Post type", "Views", "Reach", "Reactions, Comments and Shares", "Reactions", "Comments"]
FB_HEADER += ["Shares", "Total clicks"]
FB_ROWS = [
    {"Post ID": "201", "Page ID": "1067", "Publish time": "10/26/2024 09:12", "Views": 8_100, "Reach": 5_600}
    | {"Reactions": 320, "Comments": 41, "Shares": 17, "Total clicks": 260, "Post type": "Photos"},
    {
        "Post ID": "202",
        "Page ID": "1067",
        "Publish time": "10/27/2024 18:40",
        "Views": 25_000,
        "Reach": 14_000,
    }
    | {"Reactions": 1_210, "Comments": 95, "Shares": 60, "Total clicks": 700, "Post type": "Reels"},
]
IG_HEADER = ["Post ID", "Account username", "Description", "Publish time", "Permalink", "Post type", "Date"]
IG_HEADER += ["Views", "Reach", "Likes", "Shares", "Follows", "Comments", "Saves"]
IG_ROWS = [
    {"Post ID": "17900000000000001", "Publish time": "10/26/2024 10:00", "Views": 4_000, "Reach": 2_500}
    | {"Likes": 380, "Shares": 22, "Comments": 19, "Saves": 31, "Post type": "IG reel", "Follows": 3},
]
YT_HEADER = ["Content", "Video title", "Video publish time", "Duration", "Views", "Engaged views"]
YT_HEADER += ["Watch time (hours)", "Thumbnail impressions", "Thumbnail impressions click-through rate (%)"]
YT_HEADER += ["Likes", "Comments added", "Shares"]
YT_ROWS = [
    {"Content": "dQw4w9WgXcQ", "Video publish time": "Oct 26, 2024", "Views": 120_000}
    | {"Thumbnail impressions": 900_000, "Likes": 4_100, "Comments added": 230, "Shares": 310},
    {"Content": "aBcDeFgHiJk", "Video publish time": "Oct 27, 2024", "Views": 64_000}
    | {"Thumbnail impressions": 410_000, "Likes": 1_900, "Comments added": 88, "Shares": 75},
]
# Summary counter ← the file's column, per format (the module docstrings' tables). X has no
# Quotes column in either header: its shares are not reported (services/collector/exports/x.py).
X_NEW_MAP = {"impressions": "Impressions", "likes": "Likes", "comments": "Replies"}
X_NEW_MAP |= {"clicks": "URL Clicks", "saves": "Bookmarks"}
X_LEGACY_MAP = {"impressions": "impressions", "likes": "likes", "comments": "replies"}
X_LEGACY_MAP |= {"clicks": "url clicks", "views": "media views"}
LI_MAP = {"impressions": "Impressions", "views": "Views (excluding offsite video views)", "clicks": "Clicks"}
LI_MAP |= {"likes": "Likes", "comments": "Comments", "shares": "Reposts"}
LI_OLD_MAP = dict(LI_MAP, views="Views")
FB_MAP = {"views": "Views", "reach": "Reach", "likes": "Reactions", "comments": "Comments"}
FB_MAP |= {"shares": "Shares", "clicks": "Total clicks"}
IG_MAP = {"views": "Views", "reach": "Reach", "likes": "Likes", "comments": "Comments"}
IG_MAP |= {"shares": "Shares", "saves": "Saves"}
YT_MAP = {"views": "Views", "impressions": "Thumbnail impressions", "likes": "Likes"}
YT_MAP |= {"comments": "Comments added", "shares": "Shares"}
COUNTERS = ("impressions", "reach", "views", "likes", "comments", "shares", "clicks", "saves")


def number(value: object) -> int:
    return int(str(value).replace(",", ""))


def expected(*parts: tuple[list[dict], dict[str, str]]) -> dict[str, int]:
    """The summary totals of these rows: each counter is the sum of its column (0 when no
    file reports it), engagements as DESIGN §4 defines them."""
    figures = {
        counter: sum(
            number(row[columns[counter]]) for rows, columns in parts if counter in columns for row in rows
        )
        for counter in COUNTERS
    }
    figures["engagements"] = sum(figures[n] for n in ("likes", "comments", "shares", "clicks", "saves"))
    return figures


def linkedin_xlsx(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "All posts"
    sheet.append(["All posts: metrics of each post published in the period."])
    for line in table(LI_HEADER, LI_ROWS):
        sheet.append(line)
    book.save(path)
    return path


def linkedin_xls(path: Path) -> Path:
    book = xlwt.Workbook()
    sheet = book.add_sheet("All posts")
    sheet.write(0, 0, "All posts")
    for number_, line in enumerate(table(LI_OLD_HEADER, LI_OLD_ROWS), start=1):
        for column, value in enumerate(line):
            sheet.write(number_, column, value)
    book.save(str(path))
    return path


def env(tmp_path: Path) -> dict[str, str]:
    registry = tmp_path / "events.toml"
    registry.write_text(REGISTRY)
    return {"SADA_EVENTS_FILE": str(registry)}


def test_sada_run_imports_every_export_with_its_event(tmp_path):
    lifetime = {name: "Lifetime" for name in ("Date", "Views", "Reach", "Likes")}
    total = {"Content": "Total", **{name: sum(r[name] for r in YT_ROWS) for name in YT_MAP.values()}}
    files = [
        write_csv(tmp_path / "x_post_activity.csv", table(X_NEW, X_NEW_ROWS)),
        write_csv(tmp_path / "tweet_activity_metrics.csv", table(X_LEGACY, X_LEGACY_ROWS)),
        linkedin_xlsx(tmp_path / "linkedin_content.xlsx"),
        linkedin_xls(tmp_path / "linkedin_content_old.xls"),
        write_csv(tmp_path / "facebook_posts.csv", table(FB_HEADER, FB_ROWS), bom=True),
        write_csv(tmp_path / "instagram_posts.csv", table(IG_HEADER, [lifetime, *IG_ROWS]), bom=True),
        write_csv(tmp_path / "Table data.csv", table(YT_HEADER, [total, *YT_ROWS])),
    ]
    out = tmp_path / "out"

    done = sada(
        "run", "--input", *map(str, files), "--event", EVENT, "--out", str(out),
        env=env(tmp_path),
        timeout=600,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    found = json.loads((out / f"summary-{EVENT}.json").read_text())
    platforms = {
        "x": [(X_NEW_ROWS, X_NEW_MAP), (X_LEGACY_ROWS, X_LEGACY_MAP)],
        "linkedin": [(LI_ROWS, LI_MAP), (LI_OLD_ROWS, LI_OLD_MAP)],
        "facebook": [(FB_ROWS, FB_MAP)],
        "instagram": [(IG_ROWS, IG_MAP)],
        "youtube": [(YT_ROWS, YT_MAP)],
    }
    for platform, parts in platforms.items():
        figures = found["platforms"][platform]["totals"]
        assert figures["posts"] == sum(len(rows) for rows, _ in parts), platform
        assert {k: figures[k] for k in COUNTERS + ("engagements",)} == expected(*parts), platform
    assert found["totals"]["posts"] == sum(len(rows) for parts in platforms.values() for rows, _ in parts)
    assert found["rejected"] == 0
    # One line a file names the columns no record used, in the file's order.
    unused = {
        line.split(": columns not used: ")[0].removeprefix("sada run: "): line.split(": columns not used: ")[
            1
        ]
        for line in done.stderr.splitlines()
        if ": columns not used: " in line
    }
    assert set(unused) == {path.name for path in files}
    assert unused["Table data.csv"] == (
        "Duration, Engaged views, Watch time (hours), Thumbnail impressions click-through rate (%)"
    )
    assert unused["linkedin_content.xlsx"] == (
        "Post type, Offsite Views, Click through rate (CTR), Follows, Engagement rate"
    )
    assert "Reposts not used as shares: this file has no Quotes column" in done.stderr


def _refused(done, *words: str) -> None:
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert all(word in lines[0] for word in words), lines[0]


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "x.csv", table(X_NEW, X_NEW_ROWS))


@pytest.mark.parametrize("command", ["run", "ingest"])
def test_a_command_line_that_cannot_be_carried_out_is_one_line_and_exit_2(command, tmp_path, export):
    given = env(tmp_path)
    tail = (
        ["--out", str(tmp_path / "out")]
        if command == "run"
        else ["--url", "http://127.0.0.1:9", "--token", "t"]
    )

    def call(files: list[Path], *options: str):
        inputs = ["--input", *map(str, files)] if command == "run" else list(map(str, files))
        return sada(command, *inputs, *options, *tail, env=given, timeout=120)

    not_export = write_csv(tmp_path / "notes.csv", [["a", "b"], ["1", "2"]])
    _refused(call([export], "--event", "no-such-event"), "'no-such-event' is not in the registry", EVENT)
    _refused(call([not_export], "--event", EVENT), "notes.csv", "not an export sada reads")
    _refused(call([tmp_path / "missing.csv"], "--event", EVENT), "no such file", "missing.csv")
    _refused(call([export], "--event", EVENT, "--tz", "Mars/Olympus"), "unknown time zone", "--tz")
    _refused(call([export]), "x.csv", "pass --event")
    _refused(call([export], "--event", "Not A Slug"), "not a slug")
