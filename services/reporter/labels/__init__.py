"""Every word the PDF reports and the Grafana dashboards show, in Arabic, French and English.

One catalogue, kept as data: one JSON file per language (``ar.json``, ``fr.json``,
``en.json``), each a flat ``key -> text`` with ``{name}`` fields to fill in. The
figures (``posts``, ``likes``, ``engagements``…) are one entry for both outputs.
Families of keys:

- ``platform.<name>``, ``country.<ISO 3166-1 code>``, ``month.<1-12>``,
  ``month_short.<1-12>``: names (a platform or country not listed keeps its code);
- ``qualifier.<rate>`` ("by impressions", after "Engagement rate" in a report)
  and ``rate.<rate>`` (a dashboard's full title of a rate);
- ``denominator.<counter>``, ``counter.<counter>``: the words of the formulas;
- ``sources.``: the methods page's lines about the sources that fed the records;
- ``dash.``, ``var.``, ``col.``, ``desc.``, ``live.``, ``word.``…: the dashboards';
  the keys without a prefix are the report's.
"""

from __future__ import annotations

import json
from importlib import resources

from shared.registry import LANGS


def _read(lang: str) -> dict[str, str]:
    return json.loads(resources.files(__name__).joinpath(f"{lang}.json").read_text("utf-8"))


CATALOGUE: dict[str, dict[str, str]] = {lang: _read(lang) for lang in LANGS}


def t(key: str, lang: str, **values: object) -> str:
    """The label ``key`` in ``lang`` (English when that language lacks it), with ``values`` filled in."""
    text = CATALOGUE[lang].get(key) or CATALOGUE["en"][key]
    return text.format(**values) if values else text
