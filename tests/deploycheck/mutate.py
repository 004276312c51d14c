"""One-line breakages of a rendered tree: set one value, or rename one field, at a path.

A path step is a key, a list index, or ``("name", value)`` for the item of a list whose
``name`` is ``value`` (containers, volumes, mounts), so that a breakage names what it breaks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deploycheck.pods import Doc

Step = str | int | tuple[str, str]


@dataclass(frozen=True)
class Rename:
    """Rename the last key of the path (a misspelt field) instead of setting its value."""

    to: str


@dataclass(frozen=True)
class Breakage:
    why: str
    kind: str
    name: str
    path: tuple[Step, ...]
    new: Any
    caught_by: str  # a fragment of the problem line that must report it

    def apply(self, docs: list[Doc]) -> None:
        [doc] = [
            d for d in docs if d.get("kind") == self.kind and d["metadata"]["name"].startswith(self.name)
        ]
        parent = doc
        for step in self.path[:-1]:
            parent = _step(parent, step)
        last = self.path[-1]
        assert isinstance(last, str | int), "the last step is a key or an index"
        old = parent[last]  # KeyError/IndexError: the breakage no longer fits the tree
        if isinstance(self.new, Rename):
            assert isinstance(parent, dict) and isinstance(last, str)
            parent[self.new.to] = parent.pop(last)
        else:
            assert old != self.new, f"{self.why}: {old!r} is already the broken value"
            parent[last] = self.new


def _step(value: Any, step: Step) -> Any:
    if isinstance(step, tuple):
        key, wanted = step
        [item] = [item for item in value if item.get(key) == wanted]
        return item
    return value[step]
