"""FreeMarket's category systems (seeds/001, "Categories API (v6)"), one JSON file per version beside
this module: `v6.0.json` is the current one. A new version (v7) is a new file here and a new `CURRENT`;
the old files stay, so that a client asking `?version=v6.0` still gets what it was built against.

Each file: `version`, `description`, and `categories.permanent` / `categories.temporary`, each a list of
`{slug, name, group, emoji, sort_order, form_schema}` in its order. A slug is unique within its exchange
type; the same slug may name a category of each type (`tools`: given away, or lent). Origin and
curation: ../SOURCES.md."""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from typing import Any

import orjson

CURRENT = "v6.0"
EXCHANGE_TYPES = ("permanent", "temporary")
VERSION_PATTERN = re.compile(r"^v[0-9]+\.[0-9]+$")


def versions() -> list[str]:
    """The versions shipped, oldest first."""
    names = (entry.name.removesuffix(".json") for entry in files(__package__).iterdir())
    return sorted((name for name in names if VERSION_PATTERN.match(name)), key=_numbers)


def _numbers(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version[1:].split("."))


@cache
def load(version: str = CURRENT) -> dict[str, Any] | None:
    """One version's document as the file holds it; None for a version that is not shipped."""
    if not VERSION_PATTERN.match(version):
        return None
    path = files(__package__) / f"{version}.json"
    if not path.is_file():
        return None
    document: dict[str, Any] = orjson.loads(path.read_bytes())
    return document
