"""Hashtag normalisation: spelling variants of one tag count as one.

Arabic hashtags are written with and without diacritics, with tatweel for
emphasis, and with interchangeable letter forms; Latin ones vary in case and
accents. The key folds all of that. (The display form, the spelling used most,
is chosen in SQL: services/reporter/sql/hashtag_display.sql.)
"""

from __future__ import annotations

import re
import unicodedata

# Arabic diacritics (harakat, tanwin, shadda, sukun, superscript alef) and Quranic marks.
_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_TATWEEL = "\u0640"
_LETTERS = str.maketrans(
    {
        "\u0622": "\u0627",  # آ alef with madda  -> ا
        "\u0623": "\u0627",  # أ alef hamza above -> ا
        "\u0625": "\u0627",  # إ alef hamza below -> ا
        "\u0671": "\u0627",  # ٱ alef wasla       -> ا
        "\u0649": "\u064a",  # ى alef maqsura     -> ي
        "\u0629": "\u0647",  # ة ta marbuta       -> ه
        "\u0624": "\u0648",  # ؤ waw hamza        -> و
        "\u0626": "\u064a",  # ئ ya hamza         -> ي
        "\u06cc": "\u064a",  # ی Persian ya       -> ي
        "\u06a9": "\u0643",  # ک Persian kaf      -> ك
    }
)
_LATIN_MARKS = re.compile("[\u0300-\u036f]")


def hashtag_key(tag: str) -> str:
    """The comparison key of a hashtag: ``#المغرب_الرقمي`` and ``#المغربُ_الرقمى`` share one."""
    text = unicodedata.normalize("NFKC", tag.strip()).lstrip("#＃").casefold()
    text = _DIACRITICS.sub("", text).replace(_TATWEEL, "").translate(_LETTERS)
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", _LATIN_MARKS.sub("", decomposed))


HASHTAG = re.compile(r"[#＃]([\w\u0600-\u06ff]+)")


def hashtags_in(text: str) -> list[str]:
    """The hashtags written in a text, for records that carry text but no ``hashtags`` list."""
    return ["#" + match for match in HASHTAG.findall(text)]
