"""The exported dashboards alone (no store): their JSON loads back into the SDK's models, in each
language."""

from __future__ import annotations

import json

import pytest

from services.reporter.dashboards.build import DEMO_REGISTRY, export
from services.reporter.dashboards.model import load_dashboard, to_data
from shared.registry import load_registry
from shared.settings import Settings

EVENT = "ausim-2022"


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_exported_json_loads_back_into_the_sdk_models(tmp_path, lang):
    export(tmp_path, Settings(), load_registry(DEMO_REGISTRY), lang, [EVENT])
    for path in (tmp_path / "dashboards").glob("*.json"):
        data = json.loads(path.read_text("utf-8"))
        model = load_dashboard(data)
        assert to_data(model) == data, path.name
        assert model.schema_version == 41 and model.uid == path.stem
        assert all(p.description for p in model.panels if p.type_val != "row")
    live = json.loads((tmp_path / "dashboards" / "sada-live.json").read_text("utf-8"))
    titles = {"ar": "الحدث مباشرة", "fr": "Événement en direct", "en": "Live event"}
    assert live["title"] == titles[lang] and live["refresh"] == "10s"
    event = live["templating"]["list"][0]
    assert event["current"]["text"] == load_registry(DEMO_REGISTRY).get(EVENT).name(lang)
