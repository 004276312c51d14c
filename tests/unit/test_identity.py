"""One id per post (shared/identity.py): each platform's canonical id, and ids a spreadsheet
rounded refused with a reason that says what happened, in format v1 and in the adapters."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from services.collector.exports.cells import day_only
from services.collector.mapping import Unmappable, identified, item
from shared.events import Rejection, validate_object
from shared.identity import IdentityError, canonical, is_alias, mangled

AT = "2024-10-26T10:00:00Z"


@pytest.mark.parametrize(
    ("platform", "raw", "page", "expected"),
    [
        ("facebook", "201", "1067", "1067_201"),  # Business Suite: Post ID + Page ID
        ("facebook", "1067_201", "1067", "1067_201"),  # already {page}_{post}
        ("facebook", " 1067_201 ", None, "1067_201"),  # Graph, webhook: canonical as given
        ("linkedin", "urn:li:share:7001", None, "urn:li:share:7001"),
        ("linkedin", "urn:li:ugcPost:7002", None, "urn:li:ugcPost:7002"),
        ("linkedin", "urn:li:activity:7254000000000000001", None, "urn:li:activity:7254000000000000001"),
        ("x", "1850000000000000001", None, "1850000000000000001"),
        ("instagram", "17900000000000001", None, "17900000000000001"),
        ("tiktok", "7300000000000000001", None, "7300000000000000001"),
        ("youtube", "dQw4w9WgXcQ", None, "dQw4w9WgXcQ"),
        ("youtube", "a-b_c-d_e-f", None, "a-b_c-d_e-f"),
    ],
)
def test_each_platform_has_one_canonical_id(platform, raw, page, expected):
    assert canonical(platform, raw, page) == expected


@pytest.mark.parametrize(
    ("platform", "raw", "page", "words"),
    [
        ("facebook", "201", None, "needs its Page"),
        ("facebook", "1067_201", "2000", "belongs to Page 1067"),
        ("facebook", "201", "1.067E+03", "spreadsheet rounded this Page ID"),
        ("facebook", "post-201", "1067", "is not a facebook post id"),
        ("linkedin", "https://www.linkedin.com/company/sada/", None, "urn:li:share:N"),
        ("linkedin", "urn:li:comment:7001", None, "urn:li:share:N"),
        ("x", "1.85E+18", None, "a spreadsheet rounded this id (1.85E+18)"),
        ("x", "1,85E+18", None, "a spreadsheet rounded this id (1,85E+18)"),
        ("instagram", "17900000000000001.0", None, "decimal number"),
        ("tiktok", "tt-1", None, "digits"),
        ("youtube", "dQw4w9WgXc", None, "11 letters"),
        ("youtube", "dQw4w9WgXc!", None, "11 letters"),
    ],
)
def test_an_id_of_the_wrong_shape_is_refused_with_its_reason(platform, raw, page, words):
    with pytest.raises(IdentityError) as refused:
        canonical(platform, raw, page)
    assert words in refused.value.reason


def test_the_reason_says_what_to_do():
    assert mangled("1.22158E+17") == (
        "a spreadsheet rounded this id (1.22158E+17); export again as CSV and import it "
        "without opening it in a spreadsheet"
    )
    assert mangled("122158000000000000") is None  # digits kept: cannot be told from a real id
    assert mangled("li-00001") is None


def test_only_an_activity_urn_is_a_linkedin_alias():
    assert is_alias("linkedin", "urn:li:activity:7001")
    assert not is_alias("linkedin", "urn:li:share:7001")
    assert not is_alias("linkedin", "urn:li:ugcPost:7001")
    assert not is_alias("x", "urn:li:activity:7001")


@pytest.mark.parametrize("kind", ["post", "metrics", "interaction"])
def test_format_v1_refuses_a_rounded_id_on_every_platform_and_nothing_else(kind):
    fields = {
        "post": {"created_at": AT},
        "metrics": {"observed_at": AT},
        "interaction": {"interaction_id": "i1", "kind": "like", "occurred_at": AT},
    }[kind]
    for platform in ("x", "linkedin", "web"):
        record = {"type": kind, "event": "e", "platform": platform, **fields}
        refused = validate_object({**record, "post_id": "1,22158E+17"})
        assert isinstance(refused, Rejection) and refused.field == "post_id"
        assert "a spreadsheet rounded this id" in refused.reason
        assert not isinstance(validate_object({**record, "post_id": "li-00001"}), Rejection)


def test_a_client_source_never_refuses_a_record():
    base = {"type": "post", "event": "e", "platform": "x", "post_id": "1", "created_at": AT}
    for sent in (5, "x" * 1000, None, "\ud800"):
        record = validate_object({**base, "source": sent})
        assert not isinstance(record, Rejection) and record.source is None
    assert validate_object({**base, "source": "api:x"}).source == "api:x"


def test_a_mapper_record_with_an_id_of_the_wrong_shape_is_unmappable():
    assert identified({"platform": "instagram", "post_id": " 179 "}) == {
        "platform": "instagram",
        "post_id": "179",
    }
    assert identified({"platform": "web", "url": "https://a.example"}) == {
        "platform": "web",
        "url": "https://a.example",
    }
    with pytest.raises(Unmappable) as refused:
        identified({"platform": "tiktok", "post_id": "tt-1"})
    assert refused.value.field == "post_id"
    found = item("entry.0", {"id": "x"}, lambda: {"platform": "youtube", "post_id": "v1"})
    assert found.record is None and found.path == "entry.0.post_id" and "11 letters" in found.reason


def test_a_date_cell_without_a_time_of_day_is_day_precise():
    for cell in ("Sat, Oct 26, 2024", "Oct 26, 2024", "10/26/2024", "2024-10-26", date(2024, 10, 26)):
        assert day_only(cell), cell
    for cell in (
        "10/26/2024 09:12",
        "2024-10-26 09:12 +0000",
        "2024-10-26T09:12:00",
        datetime(2024, 10, 26),
        None,
    ):
        assert not day_only(cell), cell
