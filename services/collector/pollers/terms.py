"""Whether a text is about an event: its hashtags and keywords, in any spelling."""

from __future__ import annotations

import re
from dataclasses import dataclass

from shared.hashtags import hashtag_key, hashtags_in
from shared.registry import Event

ARABIC = re.compile("[\u0600-\u06ff]")


def fold(text: str) -> str:
    """Case-, accent- and Arabic-spelling-insensitive form of a text (the hashtag key's rules)."""
    return hashtag_key(text)


def _keyword_pattern(folded: str) -> re.Pattern[str]:
    body = r"[\s\-_]+".join(re.escape(word) for word in folded.split())
    if ARABIC.search(folded):
        # Arabic attaches prefixes (و, ب, ال, ل) to the word: match inside words.
        return re.compile(body)
    return re.compile(rf"(?<!\w){body}(?!\w)")


@dataclass(frozen=True)
class Terms:
    """An event's hashtags and keywords, in any spelling: ``#AUSIM2022`` matches ``#ausim2022``,
    ``nation digitale`` matches ``Nation Digitale`` and ``nation-digitale``, ``الأمة الرقمية``
    matches ``والامة الرقمية``. A hashtag also matches its words written out
    (``#المغرب_الرقمي`` ↔ ``المغرب الرقمي``), as press articles rarely write hashtags."""

    tags: frozenset[str]
    patterns: tuple[re.Pattern[str], ...]

    @classmethod
    def of(cls, event: Event) -> Terms:
        tags = frozenset(key for key in (hashtag_key(tag) for tag in event.hashtags) if key)
        phrases = [*event.keywords, *(tag.strip().lstrip("#＃").replace("_", " ") for tag in event.hashtags)]
        folded = dict.fromkeys(fold(phrase) for phrase in phrases if fold(phrase).strip())
        return cls(tags, tuple(_keyword_pattern(phrase) for phrase in folded))

    def __bool__(self) -> bool:
        return bool(self.tags or self.patterns)

    def matches(self, *texts: str | None) -> bool:
        for text in texts:
            if not text:
                continue
            if any(hashtag_key(tag) in self.tags for tag in hashtags_in(text)):
                return True
            folded = fold(text)
            if any(pattern.search(folded) for pattern in self.patterns):
                return True
        return False
