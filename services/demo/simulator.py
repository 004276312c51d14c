"""A simulated edition of the seed event, calibrated to the seed report's figures.

932 posts, 314,000 video views and 246,000 engagements across LinkedIn,
Facebook, X and YouTube, 9.84 % engagement by impressions on LinkedIn, 316
press articles from 22 countries (seed article 002). The records are what
collectors would have streamed: posts, growing metrics snapshots (one of them
lower than the one before — an unlike), click interactions on X, mentions.
The sample texts are our own.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TypedDict

EVENT = "ausim-2022"
START = datetime(2022, 10, 26, 8, 0, tzinfo=timezone(timedelta(hours=1)))  # Marrakesh, 3 days


class Plan(TypedDict):
    """One platform's totals; ``mix``: the shares of likes, comments, shares, clicks, saves in engagements."""

    posts: int
    engagements: int
    views: int
    impressions: int
    mix: tuple[float, float, float, float, float]


PLAN: dict[str, Plan] = {
    "linkedin": {
        "posts": 380,
        "engagements": 123_000,
        "views": 96_000,
        "impressions": 1_250_000,
        "mix": (0.55, 0.12, 0.08, 0.25, 0.0),
    },
    "facebook": {
        "posts": 240,
        "engagements": 58_000,
        "views": 88_000,
        "impressions": 0,
        "mix": (0.62, 0.15, 0.13, 0.10, 0.0),
    },
    "x": {
        "posts": 220,
        "engagements": 41_000,
        "views": 30_000,
        "impressions": 610_000,
        "mix": (0.60, 0.10, 0.18, 0.04, 0.08),
    },
    "youtube": {
        "posts": 92,
        "engagements": 24_000,
        "views": 100_000,
        "impressions": 0,
        "mix": (0.80, 0.20, 0.0, 0.0, 0.0),
    },
}
ENGAGEMENT_PARTS = ("likes", "comments", "shares", "clicks", "saves")
ARTICLES = 316
COUNTRIES = (
    "MA",
    "FR",
    "SN",
    "CI",
    "TN",
    "DZ",
    "BE",
    "CA",
    "ES",
    "US",
    "GB",
    "DE",
    "EG",
    "AE",
    "SA",
    "QA",
    "CM",
    "GA",
    "ML",
    "MR",
    "CH",
    "NL",
)
OUTLETS = (
    "Le Matin",
    "Hespress",
    "L'Economiste",
    "Médias24",
    "TelQuel",
    "Le360",
    "Jeune Afrique",
    "Maroc Diplomatique",
    "Al Akhbar",
    "H24info",
    "ChallengeMag",
    "Finances News",
)
SAMPLE_TEXTS = {
    "ar": [
        "انطلاق اليوم الأول من المؤتمر حول التحول الرقمي في المغرب #المغرب_الرقمي",
        "جلسة حوارية حول الأمن السيبراني والسيادة الرقمية بمشاركة خبراء من إفريقيا",
        "شكراً لكل المشاركين في ورشة الذكاء الاصطناعي اليوم في مراكش",
    ],
    "fr": [
        "Keynote d'ouverture : la nation numérique africaine se construit maintenant #AUSIM2022",
        "Table ronde sur la souveraineté des données et le cloud au Maroc",
        "Merci aux 39 sponsors et aux 17 startups présentes à Marrakech !",
    ],
    "en": [
        "Day 2 at the conference: cybersecurity leaders share lessons from the field",
        "Our CTO on stage talking about open data platforms for public services",
        "Great energy at the startup village this afternoon #DigitalMorocco",
    ],
}


def split(total: int, audience: list[float], rng: random.Random, minimum: int = 0) -> list[int]:
    """Integers ≥ ``minimum`` summing exactly to ``total``, one per post, following its audience.

    Each post's share is its audience weight with ±30 % noise, so a post's
    views, impressions and engagements grow together and its rates stay near
    the platform's (no post with 16,000 engagements on 200 views).
    """
    weights = [w * rng.uniform(0.7, 1.3) for w in audience]
    spread, weight = total - minimum * len(weights), sum(weights)
    values = [minimum + int(w * spread / weight) for w in weights]
    for index in rng.sample(range(len(weights)), total - sum(values)):
        values[index] += 1
    return values


def _stamp(moment: datetime) -> str:
    return moment.isoformat()


@dataclass(frozen=True)
class Calibration:
    """The figures the simulated event adds up to, as the summary should print them."""

    posts: int = sum(p["posts"] for p in PLAN.values())
    views: int = sum(p["views"] for p in PLAN.values())
    engagements: int = sum(p["engagements"] for p in PLAN.values())
    linkedin_rate: float = PLAN["linkedin"]["engagements"] / PLAN["linkedin"]["impressions"]
    articles: int = ARTICLES
    countries: int = len(COUNTRIES)


def seed_event(seed: int = 2022, event: str = EVENT, start: datetime = START) -> list[dict]:
    """Every record of the simulated event, in the order they happened.

    On the first 100 X posts clicks arrive as single interaction records (the
    public API reports no click count); other posts report clicks in snapshots.
    """
    rng = random.Random(seed)
    timed: list[tuple[datetime, dict]] = []
    day_span = timedelta(hours=10)
    for platform, plan in PLAN.items():
        n = plan["posts"]
        audience = [rng.paretovariate(1.6) for _ in range(n)]  # a few viral posts
        engagement = split(plan["engagements"], audience, rng)
        views = split(plan["views"], audience, rng)
        impressions = split(plan["impressions"], audience, rng, minimum=1) if plan["impressions"] else [0] * n
        for i in range(n):
            post_id = f"{platform[:2]}-{i:05d}"
            day = i % 3
            created = start + timedelta(days=day) + day_span * rng.random() ** 1.5
            lang = rng.choice(("ar", "fr", "en"))
            counters = dict(zip(ENGAGEMENT_PARTS, _mix(engagement[i], plan["mix"]), strict=False))
            counters["views"] = views[i]
            if plan["impressions"]:
                counters["impressions"] = impressions[i]
            timed.append(
                (
                    created,
                    {
                        "type": "post",
                        "event": event,
                        "platform": platform,
                        "post_id": post_id,
                        "created_at": _stamp(created),
                        "account": f"@{platform}-account-{i % 17}",
                        "text": rng.choice(SAMPLE_TEXTS[lang]),
                        "lang": lang,
                        "url": f"https://{platform}.example/{post_id}",
                        "media": "video" if views[i] else "text",
                        "followers": rng.randint(800, 40_000),
                    },
                )
            )
            interaction_clicks = counters["clicks"] if platform == "x" and i < 100 else 0
            timed.extend(_snapshots(event, platform, post_id, created, counters, interaction_clicks, rng))
    timed.extend(_mentions(event, start, rng))
    timed.sort(key=lambda pair: pair[0])
    return [record for _, record in timed]


def _mix(total: int, mix: tuple[float, ...]) -> list[int]:
    values = [int(total * share) for share in mix]
    live = [i for i, share in enumerate(mix) if share > 0]
    values[live[0]] += total - sum(values)
    return values


def _snapshots(
    event: str,
    platform: str,
    post_id: str,
    created: datetime,
    final: dict[str, int],
    interaction_clicks: int,
    rng: random.Random,
) -> list[tuple[datetime, dict]]:
    """Three growing snapshots ending at ``final``; the middle one overshoots likes (unliked later).

    When ``interaction_clicks`` > 0 the post's clicks are in no snapshot: they
    arrive as that many interaction records instead.
    """
    out = []
    moments = [created + timedelta(hours=h) for h in (1, 6, 30)]
    for step, moment in enumerate(moments):
        share = (0.35, 0.8, 1.0)[step]
        values = {name: int(value * share) for name, value in final.items()}
        if step == 1 and final.get("likes", 0) > 10:
            values["likes"] = final["likes"] + 3
        if interaction_clicks:
            values.pop("clicks", None)
        out.append(
            (
                moment,
                {
                    "type": "metrics",
                    "event": event,
                    "platform": platform,
                    "post_id": post_id,
                    "observed_at": _stamp(moment),
                    **values,
                },
            )
        )
    for n in range(interaction_clicks):
        moment = created + timedelta(minutes=rng.randint(1, 600))
        out.append(
            (
                moment,
                {
                    "type": "interaction",
                    "event": event,
                    "platform": platform,
                    "post_id": post_id,
                    "interaction_id": f"{post_id}-click-{n}",
                    "kind": "click",
                    "occurred_at": _stamp(moment),
                    "actor": f"user{rng.randint(1, 99999)}",
                },
            )
        )
    return out


def _mentions(event: str, start: datetime, rng: random.Random) -> list[tuple[datetime, dict]]:
    out = []
    for n in range(ARTICLES):
        country = COUNTRIES[n] if n < len(COUNTRIES) else rng.choice(COUNTRIES[:6])
        moment = start + timedelta(days=rng.uniform(-2, 10))
        outlet = rng.choice(OUTLETS)
        slug = outlet.lower().replace(" ", "-").replace("'", "")
        out.append(
            (
                moment,
                {
                    "type": "mention",
                    "event": event,
                    "platform": "web",
                    "url": f"https://{slug}.example/{n}?utm_source=feed",
                    "published_at": _stamp(moment),
                    "outlet": outlet,
                    "country": country,
                    "lang": rng.choice(("ar", "fr", "en")),
                    "title": f"AUSIM 2022 : la nation numérique ({n})",
                },
            )
        )
    return out
