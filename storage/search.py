"""LIKE patterns for user-typed searches."""

from __future__ import annotations

LIKE_ESCAPE = "\\"


def contains_pattern(text: str) -> str:
    """A lowercase LIKE pattern matching `text` anywhere, its own `%` and `_` taken literally
    (use with `escape=LIKE_ESCAPE`)."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
