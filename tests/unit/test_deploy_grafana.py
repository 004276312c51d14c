"""deploy/k8s/grafana/generated/ is what `sada dashboards export` writes today with
deploy/k8s/grafana/export.env (`make grafana-provisioning`), and kustomization.yaml turns every
file of it into a ConfigMap: a dashboard, alert rule or data source changed in the code and not
regenerated fails here, not in a Grafana that silently shows the old one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from deploycheck.render import K8S, ROOT

from services.reporter.dashboards.build import export, registry_of
from shared.settings import Settings

GRAFANA = K8S / "grafana"
GENERATED = GRAFANA / "generated"


def _export_env() -> dict[str, str]:
    lines = (GRAFANA / "export.env").read_text("utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_generated_files_are_what_the_code_exports(tmp_path, monkeypatch):
    for key in [k for k in os.environ if k.startswith("SADA_")]:
        monkeypatch.delenv(key)
    monkeypatch.chdir(ROOT)  # export.env's paths are from the repository root
    for key, value in _export_env().items():
        monkeypatch.setenv(key, value)
    settings = Settings()
    export(tmp_path, settings, registry_of(settings), settings.grafana_lang)
    fresh, committed = _files(tmp_path), _files(GENERATED)
    assert set(fresh) == set(committed), "run `make grafana-provisioning`"
    stale = sorted(name for name in fresh if fresh[name] != committed[name])
    assert not stale, f"out of date: {stale}; run `make grafana-provisioning`"


def test_every_generated_file_is_in_a_configmap():
    kustomization = yaml.safe_load((GRAFANA / "kustomization.yaml").read_text("utf-8"))
    listed = {file for generator in kustomization["configMapGenerator"] for file in generator["files"]}
    assert listed == {f"generated/{name}" for name in _files(GENERATED)}


@pytest.mark.parametrize("name", ["sada-collection.yaml", "sada-spikes.yaml"])
def test_alert_rules_are_made_for_the_deployments_events(name):
    registry = registry_of(Settings(events_file=ROOT / _export_env()["SADA_EVENTS_FILE"]))
    rules = yaml.safe_load((GENERATED / "provisioning" / "alerting" / name).read_text("utf-8"))
    labels = {r["labels"]["sada_event"] for g in rules["groups"] for r in g["rules"]}
    assert labels == set(registry.events)
