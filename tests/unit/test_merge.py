"""Merging a post's records from several sources (shared/merge.py): what a coarser source
never erases, and the laws that make the stored row independent of arrival order and replays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.merge import merge_posts, merged_rows
from shared.records import POSTS

EXACT = datetime(2024, 10, 26, 9, 12, 30, tzinfo=UTC)
DAY = datetime(2024, 10, 26, tzinfo=UTC)


def row(source: str, version: int, **fields: object) -> dict:
    base: dict = {name: None for name in POSTS.column_names}
    base.update(
        event="e",
        platform="facebook",
        post_id="1067_201",
        created_at=EXACT,
        hashtags=[],
        hashtag_keys=[],
        created_precision="",
        source=source,
        provenance={},
        version=version,
    )
    base.update(fields)
    return base


API = row("api:facebook", 10, text="Opening #AUSIM", account="AUSIM", media="image", url="https://fb/1")
EXPORT = row(
    "export:facebook:posts.csv",
    20,
    created_at=DAY,
    created_precision="day",
    text="",
    account="AUSIM page",
    followers=None,
    hashtags=[],
)


def values(merged: dict) -> dict:
    return {k: v for k, v in merged.items() if k not in ("provenance",)}


def test_an_export_after_the_api_never_lowers_precision_nor_empties_a_field():
    merged = merge_posts([API, EXPORT])
    assert merged["created_at"] == EXACT and merged["created_precision"] == ""
    assert (
        merged["text"] == "Opening #AUSIM" and merged["media"] == "image" and merged["url"] == "https://fb/1"
    )
    assert merged["account"] == "AUSIM"  # both known: the finer source kind wins, later or not
    assert merged["source"] == "api:facebook" and merged["version"] == 20
    assert merged["provenance"]["text"] == ("api:facebook", 10)


def test_what_only_the_export_knows_is_kept():
    merged = merge_posts(
        [API, row("export:facebook", 20, created_at=DAY, created_precision="day", lang="fr")]
    )
    assert merged["lang"] == "fr" and merged["provenance"]["lang"] == ("export:facebook", 20)


def test_within_one_kind_the_later_version_wins_and_a_day_still_never_replaces_an_exact_time():
    later = row("export:facebook:b.csv", 30, created_at=DAY, created_precision="day", text="edited")
    exact_export = row("export:facebook:a.csv", 20, text="first")
    merged = merge_posts([later, exact_export])
    assert merged["text"] == "edited"
    assert merged["created_at"] == EXACT and merged["created_precision"] == ""


def test_a_stored_row_read_back_naive_merges_like_the_aware_one():
    stored = merge_posts([API])
    naive = {**stored, "created_at": stored["created_at"].replace(tzinfo=None)}
    assert merge_posts([naive, EXPORT]) == merge_posts([stored, EXPORT])


def test_the_rows_of_a_batch_are_folded_with_the_stored_one_per_post():
    names = POSTS.column_names
    other = row("api:facebook", 5, post_id="1067_202", text="two")
    batch = [[EXPORT[n] for n in names], [other[n] for n in names]]
    stored = [merge_posts([API]), merge_posts([row("api:facebook", 1, post_id="1067_999")])]
    written = {
        r[names.index("post_id")]: dict(zip(names, r, strict=True)) for r in merged_rows(batch, stored)
    }
    assert sorted(written) == ["1067_201", "1067_202"]  # a stored post the batch does not name is left alone
    assert written["1067_201"]["text"] == "Opening #AUSIM"


# --- the laws, over arbitrary records of one post -------------------------------------------------

SOURCES = ["api:facebook", "webhook:meta", "http:client", "export:facebook", "export:facebook:b.csv", ""]
MAYBE_TEXT = st.sampled_from([None, "", "a", "b #Tag"])


@st.composite
def records(draw: st.DrawFn) -> dict:
    day = draw(st.booleans())
    moment = DAY + timedelta(days=draw(st.integers(0, 2)))
    if not day:
        moment += timedelta(seconds=draw(st.integers(1, 86_399)))
    tags = draw(st.sampled_from([[], ["#Tag"], ["#a", "#b"]]))
    return row(
        draw(st.sampled_from(SOURCES)),
        draw(st.integers(1, 5)),
        created_at=moment,
        created_precision="day" if day else "",
        text=draw(MAYBE_TEXT),
        author=draw(MAYBE_TEXT),
        account=draw(MAYBE_TEXT),
        lang=draw(st.sampled_from([None, "fr", "ar"])),
        url=draw(MAYBE_TEXT),
        media=draw(st.sampled_from([None, "image", "video"])),
        followers=draw(st.sampled_from([None, 0, 10])),
        hashtags=tags,
        hashtag_keys=[t.lstrip("#").lower() for t in tags],
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(records(), min_size=1, max_size=6), st.randoms())
def test_any_arrival_order_and_any_batching_give_the_same_row(found, random):
    at_once = merge_posts(found)
    shuffled = list(found)
    random.shuffle(shuffled)
    stored = merge_posts([shuffled[0]])
    for record in shuffled[1:]:  # one record per batch, each merged with the stored row
        stored = merge_posts([stored, record])
    assert stored == at_once


@settings(max_examples=200, deadline=None)
@given(records(), records())
def test_two_records_commute_and_a_replay_changes_nothing(a, b):
    merged = merge_posts([a, b])
    assert merged == merge_posts([b, a])
    assert merge_posts([merged, a]) == merged and merge_posts([merged, b]) == merged
    assert merge_posts([merged, merged]) == merged


@settings(max_examples=200, deadline=None)
@given(records(), records())
def test_a_coarser_record_never_erases_a_finer_one(a, b):
    fine = {**a, "source": "api:facebook"}
    coarse = {**b, "source": "export:facebook"}
    merged = merge_posts([fine, coarse])
    for column in ("text", "author", "account", "lang", "url", "media", "followers"):
        if fine[column] not in (None, ""):
            assert merged[column] == fine[column], column
    if fine["hashtags"]:
        assert merged["hashtags"] == fine["hashtags"]
    if fine["created_precision"] == "" or coarse["created_precision"] == "day":
        assert merged["created_at"] == fine["created_at"]
