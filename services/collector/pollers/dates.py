"""A press item's publication date, read from the text the feed wrote, never taken from the clock.

Feeds in the wild write dates as RFC 822 (RSS), ISO 8601 (Atom, ``dc:date``), or in the site's
own language: "mer., 23 oct. 2024 10:00:00 +0200", "الأربعاء 23 أكتوبر 2024 - 10:00", with
Arabic-Indic digits (PLATFORMS.md, Field notes: "Feeds in the wild"; RSS 2.0 spec, pubDate:
https://www.rssboard.org/rss-specification#ltpubdategtSubelementOfLtitemgt).

The text is read in this order, the first reader that understands it wins:

1. ISO 8601 (``datetime.fromisoformat``) and RFC 822 with a numeric or US zone
   (``email.utils``): exact, offset kept;
2. dateparser, restricted to absolute dates with a day, a month and a year (no "hier", no
   "il y a 2 heures", no bare "10:00": those would be dated from the time of the read), in the
   languages given (the item's, the feed's, the outlet's, then fr, ar, en);
3. feedparser's own parsed date (``*_parsed``, UTC), for the odd formats it knows and
   dateparser does not.

feedparser's parsed date comes last, not first, because it reads a zone name it does not know
("CEST") and a date without a zone as UTC: both would move the article by hours without a word.

**A date without a zone is in the outlet's time zone** (``timezone`` in the outlets file), else
in the event's (the registry's ``timezone``, UTC by default): a site writes its own wall time,
and the press of an event is mostly the event's country's.

dateparser's Arabic knows the Egyptian month names only (أكتوبر); Moroccan sites write the
Maghreb ones (ماي، يوليوز، غشت، شتنبر، نونبر، دجنبر), Algerian and Tunisian ones جوان، جويلية، أوت,
Levantine ones تشرين الأول, أيلول (Wikipedia, "Arabic names of calendar months"):
:data:`ARABIC_MONTHS` turns them into the Egyptian names first.

A text none of these reads raises :class:`Undated` naming the text; the caller dead-letters the
item.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime

import dateparser
from dateparser.data.languages_info import language_order

# Tried after the feed's and the outlet's languages: the languages of sada's press.
FALLBACK_LANGUAGES = ("fr", "ar", "en")
# Absolute dates only, and only whole ones: a missing part would be filled from today.
DATEPARSER_SETTINGS = {"PARSERS": ["absolute-time"], "REQUIRE_PARTS": ["day", "month", "year"]}
KNOWN_LANGUAGES = frozenset(language_order)
# Maghreb (Morocco; Algeria and Tunisia) and Levant month names → the names dateparser knows.
ARABIC_MONTHS = {
    "ماي": "مايو",
    "يوليوز": "يوليو",
    "غشت": "أغسطس",
    "شتنبر": "سبتمبر",
    "نونبر": "نوفمبر",
    "دجنبر": "ديسمبر",
    "جانفي": "يناير",
    "فيفري": "فبراير",
    "أفريل": "أبريل",
    "جوان": "يونيو",
    "جويلية": "يوليو",
    "أوت": "أغسطس",
    "كانون الثاني": "يناير",
    "شباط": "فبراير",
    "آذار": "مارس",
    "نيسان": "أبريل",
    "أيار": "مايو",
    "حزيران": "يونيو",
    "تموز": "يوليو",
    "آب": "أغسطس",
    "أيلول": "سبتمبر",
    "تشرين الأول": "أكتوبر",
    "تشرين الثاني": "نوفمبر",
    "كانون الأول": "ديسمبر",
}
_OFFSET = re.compile(r"\s([+-])(\d{2}):?(\d{2})$")
_ARABIC_MONTH = re.compile(
    r"(?<!\w)(" + "|".join(sorted(map(re.escape, ARABIC_MONTHS), key=len, reverse=True)) + r")(?!\w)"
)


class Undated(ValueError):
    """An item's date is missing or unreadable; the message names the text and what to do."""


def languages(*candidates: str | None) -> list[str]:
    """The primary subtags (``fr-FR`` → ``fr``) dateparser knows, in order, once each, then
    :data:`FALLBACK_LANGUAGES`."""
    found: list[str] = []
    for candidate in (*candidates, *FALLBACK_LANGUAGES):
        primary = primary_language(candidate)
        if primary and primary in KNOWN_LANGUAGES and primary not in found:
            found.append(primary)
    return found


def primary_language(lang: str | None) -> str | None:
    """``fr-FR`` → ``fr``: the report groups by language, not by region."""
    if not lang or not lang.strip():
        return None
    return lang.strip().replace("_", "-").split("-", 1)[0].lower()


def ascii_digits(text: str) -> str:
    """Arabic-Indic (٠١٢…), Persian and other decimal digits as 0-9."""
    return "".join(
        str(unicodedata.digit(char)) if not char.isascii() and unicodedata.category(char) == "Nd" else char
        for char in text
    )


def read_date(
    text: str | None,
    parsed: time.struct_time | None,
    langs: Iterable[str],
    zone: tzinfo,
) -> datetime:
    """The instant ``text`` names (aware). ``parsed`` is feedparser's reading of it (UTC);
    ``zone`` is the one a zoneless text is in. Raises :class:`Undated`."""
    langs = list(langs)
    cleaned = " ".join(ascii_digits(text).split()) if text else ""
    if cleaned:
        found = _exact(cleaned) or _localised(cleaned, langs)
        if found is not None:
            return found if found.tzinfo else found.replace(tzinfo=zone)
    if parsed is not None:
        return datetime(*parsed[:6], tzinfo=UTC)
    if not cleaned:
        raise Undated(
            "the item has no date (pubDate, dc:date, published or updated); it is not dated at the read"
        )
    raise Undated(
        f"the date {text!r} cannot be read (languages tried: {', '.join(langs)}); "
        "set the outlet's lang in the outlets file if the site writes dates in another language"
    )


def _exact(text: str) -> datetime | None:
    """ISO 8601, or RFC 822 with a zone email.utils knows (an unknown zone is left to dateparser)."""
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo else None


def _localised(text: str, langs: list[str]) -> datetime | None:
    """dateparser's reading; a trailing numeric offset (``+0200``) is applied here, since
    dateparser knows only the offsets of its zone list (not ``+0001``, say)."""
    text = _ARABIC_MONTH.sub(lambda match: ARABIC_MONTHS[match.group(1)], text)
    offset = _OFFSET.search(text)
    if offset:
        text = text[: offset.start()]
    found = dateparser.parse(text, languages=langs, settings=DATEPARSER_SETTINGS)
    if found is None or not offset:
        return found
    sign, hours, minutes = offset.groups()
    shift = timedelta(hours=int(hours), minutes=int(minutes))
    return found.replace(tzinfo=timezone(-shift if sign == "-" else shift))
