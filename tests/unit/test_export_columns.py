"""Export columns as the platforms name them today, and the import answer's account of the columns
no record uses (issue 11 item 6): a file is read with ``import_file`` and the records it would
publish are compared with the cells written."""

from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

import pytest

from services.collector.exports.importer import import_file
from services.collector.exports.layout import Context

CONTEXT = Context("cols-2024", ZoneInfo("UTC"), "2024-10-31T18:00:00+00:00")


def read(rows: list[list[object]], bom: bool = False) -> tuple[dict, list[dict]]:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    body = (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode()
    result = import_file(body, None, CONTEXT, 1_730_397_600 * 10**9)  # received at observed_at
    snapshots = [record.model_dump(exclude_none=True) for _, record in result.intake.accepted]
    return result.answer(CONTEXT.event), [s for s in snapshots if s["type"] == "metrics"]


def test_youtube_thumbnail_impressions_are_impressions():
    header = ["Content", "Video publish time", "Views", "Thumbnail impressions"]
    header += ["Thumbnail impressions click-through rate (%)", "Likes"]
    answer, [snapshot] = read([header, ["dQw4w9WgXcQ", "Oct 26, 2024", 120, 900, 4.2, 7]])
    assert (snapshot["impressions"], snapshot["views"], snapshot["likes"]) == (900, 120, 7)
    assert answer["unused_columns"] == ["Thumbnail impressions click-through rate (%)"]


@pytest.mark.parametrize("views", ["Views (excluding offsite video views)", "Views"])
def test_linkedin_views_under_the_current_and_the_old_name(views):
    header = ["Post link", "Created date", "Impressions", views, "Offsite Views", "Likes", ""]
    link = "https://www.linkedin.com/feed/update/urn:li:activity:7254000000000000001"
    answer, [snapshot] = read([header, [link, "10/24/2024", 5_400, 800, 50, 31, ""]])
    assert (snapshot["impressions"], snapshot["views"], snapshot["likes"]) == (5_400, 800, 31)
    assert answer["unused_columns"] == ["Offsite Views"]  # the blank header cell is no column


def test_meta_views_and_impressions_stay_two_counters():
    """2025 files say Views where older ones said Impressions; a file with both keeps both apart."""
    header = [
        "Post ID",
        "Page ID",
        "Publish time",
        "Impressions",
        "Views",
        "Reach",
        "Reactions",
        "Estimated earnings (USD)",
    ]
    answer, [snapshot] = read(
        [header, ["201", "100", "10/26/2024 09:12", 700, 8_100, 5_600, 320, 3]], bom=True
    )
    assert (snapshot["impressions"], snapshot["views"], snapshot["reach"]) == (700, 8_100, 5_600)
    assert answer["format"] == "facebook" and answer["unused_columns"] == ["Estimated earnings (USD)"]


def test_an_x_file_without_quotes_reports_no_shares_and_says_why():
    header = ["Tweet id", "time", "impressions", "engagements", "retweets", "likes"]
    answer, [snapshot] = read([header, ["1585000000000000001", "2022-10-26 09:12 +0000", 5_400, 9, 40, 310]])
    assert "shares" not in snapshot and snapshot["likes"] == 310
    assert answer["unused_columns"] == ["engagements", "retweets"]
    assert answer["notes"][0].startswith("retweets not used as shares: this file has no Quotes column")

    answer, [snapshot] = read(
        [[*header, "Quotes"], ["1585000000000000001", "2022-10-26 09:12 +0000", 5_400, 9, 40, 310, 4]]
    )
    assert snapshot["shares"] == 40 + 4 and answer["notes"] == []
