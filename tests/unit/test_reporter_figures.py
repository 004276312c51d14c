"""The reporter's read model and label catalogue, without a store."""

from services.reporter.figures import Figures
from services.reporter.labels import CATALOGUE, t
from services.reporter.pdf.words import LANGS
from shared.metrics import RATES, TOTAL_KEYS


def row(engagements: int, impressions: int, followers: int) -> dict:
    figures = dict.fromkeys(TOTAL_KEYS, 0) | {"engagements": engagements, "impressions": impressions}
    engaged = {f"engaged_{name}": 0 for name in RATES} | {"engaged_by_impressions": engagements}
    rates = dict.fromkeys(RATES) | {"by_impressions": engagements / impressions if impressions else None}
    return figures | engaged | rates | {"reach": 0, "views": 0, "followers": followers}


def test_the_totals_of_disjoint_parts_add_up_and_weigh_the_rates():
    total = Figures.sum([Figures.of_row(row(10, 100, 0)), Figures.of_row(row(5, 400, 0))])
    assert total.totals["engagements"] == 15 and total.totals["impressions"] == 500
    assert total.rates["by_impressions"] == 15 / 500  # weighted, not the mean of 0.1 and 0.0125
    assert total.rates["by_followers"] is None


def test_no_parts_is_zeros_and_no_rates():
    empty = Figures.sum([])
    assert empty.as_json() == {
        "totals": dict.fromkeys(TOTAL_KEYS, 0),
        "engagement_rate": dict.fromkeys(RATES),
    }


def test_the_catalogue_has_every_key_in_every_language():
    keys = set(CATALOGUE["en"])
    assert all(set(words) == keys for words in CATALOGUE.values())
    assert t("engagements", "fr") == "Interactions" and t("day_n", "en", n=2) == "Day 2"


def test_every_label_has_all_three_languages():
    keys = set(CATALOGUE["en"])
    for lang in LANGS:
        assert set(CATALOGUE[lang]) == keys and all(CATALOGUE[lang].values()), lang
