"""The pollers' rules without a platform: the refresh schedule, matching an event's terms in
three languages, the checkpoint file, and X's search queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.collector.pollers.checkpoint import Checkpoint
from services.collector.pollers.schedule import due_posts, is_due, refresh_interval
from services.collector.pollers.terms import Terms
from services.collector.pollers.x import search_queries
from shared.registry import Event


def test_refresh_interval_favours_recent_posts():
    assert refresh_interval(timedelta(0)) == timedelta(minutes=1)
    assert refresh_interval(timedelta(minutes=59, seconds=59)) == timedelta(minutes=1)
    assert refresh_interval(timedelta(hours=1)) == timedelta(minutes=10)
    assert refresh_interval(timedelta(hours=23, minutes=59)) == timedelta(minutes=10)
    assert refresh_interval(timedelta(days=1)) == timedelta(hours=1)
    assert refresh_interval(timedelta(days=300)) == timedelta(hours=1)


def test_due_posts_youngest_first():
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    posts = {
        "fresh-read": (now - timedelta(minutes=10), now - timedelta(seconds=30)),  # 1 min interval: not due
        "fresh-stale": (now - timedelta(minutes=10), now - timedelta(minutes=1)),  # due
        "never": (now - timedelta(days=3), None),  # never read: due
        "hours-read": (now - timedelta(hours=5), now - timedelta(minutes=9)),  # 10 min: not due
        "hours-stale": (now - timedelta(hours=5), now - timedelta(minutes=10)),  # due
        "old-read": (now - timedelta(days=2), now - timedelta(minutes=59)),  # hourly: not due
        "old-stale": (now - timedelta(days=2, hours=1), now - timedelta(hours=1)),  # due
    }
    assert due_posts(posts, now) == ["fresh-stale", "hours-stale", "old-stale", "never"]
    assert is_due(now, None, now)
    assert not is_due(now - timedelta(days=5), now, now)


def test_terms_match_in_arabic_french_and_english():
    event = Event(
        slug="terms",
        hashtags=["#Sada2026", "#المغرب_الرقمي"],
        keywords=["nation digitale", "sécurité numérique", "الأمة الرقمية", "AI"],
    )
    terms = Terms.of(event)
    assert terms.matches("Opening of #SADA2026 today")
    assert terms.matches("افتتاح #المغربُ_الرقمى اليوم")  # diacritics and alef maqsura
    assert terms.matches("Le Maroc, une Nation-Digitale")  # case and hyphen
    assert terms.matches("Forum : SECURITE NUMERIQUE")  # accents
    assert terms.matches("نحو بناء والامة الرقمية")  # hamza form and the و prefix
    assert terms.matches("Le futur de l'AI au Maroc")
    assert terms.matches("المغرب الرقمي في المعرض")  # a hashtag's words written out
    assert not terms.matches("Sada2025 was great", "naive rain", "Les mails de la semaine")
    assert not Terms.of(Event(slug="none"))


def test_checkpoint_survives_a_torn_write(tmp_path):
    path = tmp_path / "x-e.json"
    checkpoint = Checkpoint(path)
    checkpoint.cursors["k"] = {"since_id": "5"}
    checkpoint.posts["1"] = {"c": "2026-05-01T10:00:00Z", "r": None}
    checkpoint.save()
    assert Checkpoint(path).cursors == {"k": {"since_id": "5"}}
    assert not list(tmp_path.glob(".*.tmp"))
    path.write_text('{"cursors": {"k"')  # a torn file
    assert Checkpoint(path).cursors == {}
    assert list(tmp_path.glob("x-e.unreadable-*.json"))


def test_search_queries_split_at_512_characters():
    event = Event(
        slug="q",
        hashtags=[f"#tag{n:03d}" for n in range(80)],
        keywords=["nation digitale"],
        accounts={"x": ["@sada_org"]},
    )
    queries = search_queries(event)
    assert len(queries) > 1 and all(len(q) <= 512 and q.endswith("-is:retweet") for q in queries)
    joined = " ".join(queries)
    assert '"nation digitale"' in joined and "from:sada_org" in joined and "#tag079" in joined
