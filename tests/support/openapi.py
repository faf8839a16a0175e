"""Walking an OpenAPI document in tests."""

from __future__ import annotations

from typing import Any


def refs(node: Any) -> list[str]:
    """Every `$ref` anywhere in the document."""
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in refs(value)]
    if isinstance(node, list):
        return [r for item in node for r in refs(item)]
    return []
