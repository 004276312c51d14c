"""Hashtag normalisation on real Arabic, French and English spelling variants."""

from __future__ import annotations

import pytest

from shared.hashtags import hashtag_key, hashtags_in


@pytest.mark.parametrize(
    "variants",
    [
        # diacritics (damma, fatha, shadda) and tatweel
        ["#المغرب_الرقمي", "#المغربُ_الرقمي", "#المـــغرب_الرقمي", "#الْمَغْرِب_الرَّقْمِي"],
        # alef with hamza above/below, madda, plain alef
        ["#إفريقيا_الرقمية", "#افريقيا_الرقمية", "#أفريقيا_الرقمية", "#آفريقيا_الرقمية"],
        # ta marbuta / ha, alef maqsura / ya
        ["#مؤتمر_المعلوميات_بمراكش", "#موتمر_المعلوميات_بمراكش"],
        ["#الذكاء_الاصطناعي_في_مستشفى", "#الذكاء_الاصطناعي_في_مستشفي"],
        ["#الرقمنة", "#الرقمنه"],
        # French: case and accents
        ["#TransitionNumérique", "#transitionnumerique", "#TRANSITIONNUMÉRIQUE"],
        # English: case, full-width hash
        ["#DigitalMorocco", "#digitalmorocco", "＃DigitalMorocco"],
    ],
)
def test_spelling_variants_share_one_key(variants):
    assert len({hashtag_key(v) for v in variants}) == 1, [hashtag_key(v) for v in variants]


@pytest.mark.parametrize(
    "one, other",
    [
        ("#المغرب_الرقمي", "#المغرب_الرقمية"),  # a different word, not a spelling variant
        ("#AUSIM2022", "#AUSIM2024"),
        ("#سلا", "#سلام"),
    ],
)
def test_different_tags_stay_apart(one, other):
    assert hashtag_key(one) != hashtag_key(other)


def test_hashtags_are_found_in_text_in_all_three_scripts():
    text = "Bravo à tous ! #AUSIM2022 #المغرب_الرقمي et #TransitionNumérique."
    assert hashtags_in(text) == ["#AUSIM2022", "#المغرب_الرقمي", "#TransitionNumérique"]


def test_a_post_counts_once_under_a_tag_it_spells_twice():
    from shared.events import validate_object
    from shared.records import POSTS, record_row

    post = validate_object(
        {
            "type": "post",
            "event": "e",
            "platform": "x",
            "post_id": "1",
            "created_at": "2024-01-01T00:00:00Z",
            "text": "#AUSIM2022 et #ausim2022, #المغرب_الرقمي",
        }
    )
    _, row = record_row(post, 1)
    hashtags, keys = POSTS.reader("hashtags", "hashtag_keys")(row)
    assert hashtags == ["#AUSIM2022", "#المغرب_الرقمي"]
    assert keys == [hashtag_key("#AUSIM2022"), hashtag_key("#المغرب_الرقمي")]
