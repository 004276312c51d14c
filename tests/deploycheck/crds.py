"""Custom resources against the operators' CRD schemas (``crds/``, sources in crds/README.md).

Two things an API server does with a custom resource, done offline:

- validation against the served version's ``openAPIV3Schema`` (OpenAPI 3.0 is JSON Schema
  draft 4 with extensions; the ``x-kubernetes-*`` and ``nullable`` keywords are left out, as
  jsonschema ignores keywords it does not know);
- pruning: under a structural schema, a field that is not among ``properties`` (and not under
  ``additionalProperties`` or ``x-kubernetes-preserve-unknown-fields: true``) is dropped without
  an error. A misspelt field therefore "applies" and does nothing; this module reports it
  (Kubernetes docs, "Extend the Kubernetes API with CustomResourceDefinitions", Field pruning).
  ``allOf``/``anyOf``/``oneOf`` do not declare fields for pruning, so they are not followed.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft4Validator

CRDS = Path(__file__).parent / "crds"

Schema = dict[str, Any]


@functools.cache
def schemas() -> dict[tuple[str, str], Schema]:
    """(apiVersion, kind) -> openAPIV3Schema, for every served version of every CRD file."""
    found: dict[tuple[str, str], Schema] = {}
    for path in sorted(CRDS.glob("*.yaml")):
        for crd in yaml.safe_load_all(path.read_text("utf-8")):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            spec = crd["spec"]
            for version in spec["versions"]:
                if version.get("served"):
                    key = (f"{spec['group']}/{version['name']}", spec["names"]["kind"])
                    found[key] = version["schema"]["openAPIV3Schema"]
    return found


def groups() -> set[str]:
    return {api.split("/")[0] for api, _ in schemas()}


def is_custom(doc: dict[str, Any]) -> bool:
    """A kind of one of the operators (by API group)."""
    return doc["apiVersion"].split("/")[0] in groups()


def problems(doc: dict[str, Any]) -> list[str]:
    """What the API server would refuse or silently drop in ``doc``."""
    where = f"{doc['kind']} {doc.get('metadata', {}).get('name')}"
    schema = schemas().get((doc["apiVersion"], doc["kind"]))
    if schema is None:
        return [f"{where}: no CRD schema for {doc['apiVersion']} {doc['kind']} under {CRDS}"]
    found = [
        f"{where}: {'.'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
        for error in Draft4Validator(schema).iter_errors(doc)
    ]
    properties = schema.get("properties", {})
    for key, value in doc.items():
        if key in ("apiVersion", "kind", "metadata"):
            continue  # ObjectMeta is the API server's own, not the CRD's
        if key not in properties:
            found.append(f"{where}: {key}: not in the CRD schema; the API server drops it")
        else:
            found += [
                f"{where}: {path}: not in the CRD schema; the API server drops it"
                for path in dropped(value, properties[key], key)
            ]
    return found


def dropped(value: Any, schema: Schema, path: str) -> list[str]:
    """The paths under ``value`` that pruning removes."""
    if isinstance(value, list):
        items = schema.get("items")
        if not isinstance(items, dict):
            return []
        return [p for i, item in enumerate(value) for p in dropped(item, items, f"{path}[{i}]")]
    if not isinstance(value, dict):
        return []
    keep_unknown = bool(schema.get("x-kubernetes-preserve-unknown-fields"))
    properties = schema.get("properties")
    additional = schema.get("additionalProperties")
    found = []
    for key, child in value.items():
        here = f"{path}.{key}"
        if properties is not None and key in properties:
            found += dropped(child, properties[key], here)
        elif isinstance(additional, dict):
            found += dropped(child, additional, here)
        elif not keep_unknown and additional is not True:
            found.append(here)
    return found
