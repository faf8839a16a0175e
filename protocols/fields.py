"""Shared field rules: what text the platform accepts, wherever it comes from.

Text is any string a client sends: a JSON value or key, a query or path parameter, a form field, a
socket frame. It must not hold control characters other than tab, line feed and carriage return:
PostgreSQL cannot store NUL in text (SQLite can), and the rest only ever serve to hide or forge
content. The rule is the same on every database, so a request is refused at the edge the same way
whichever one sits behind it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import Field

# C0 controls except tab (09), line feed (0a) and carriage return (0d), and DEL.
CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_ERROR_TYPE = "control_character"
CONTROL_ERROR_MSG = "Text must not contain control characters (only tab, line feed and carriage return)"

Location = tuple[str | int, ...]


def has_control_character(text: str) -> bool:
    return CONTROL_CHARACTER.search(text) is not None


def json_may_hold_control(raw: str | bytes) -> bool:
    """False when the JSON document `raw` certainly holds no control character in any string.

    JSON cannot carry a raw control character below 0x20 in a string (orjson refuses one, and every
    encoder escapes it as \\u00XX, \\b or \\f); DEL may travel raw. Without any of these, the
    structure need not be walked.
    """
    # Spelled out rather than looped, most documents leaving at the first line: this runs on every
    # chat send, and a one-character search is the cheapest there is.
    if isinstance(raw, str):
        if "\\" not in raw:
            return "\x7f" in raw
        return "\\u00" in raw or "\\b" in raw or "\\f" in raw or "\x7f" in raw
    if b"\\" not in raw:
        return b"\x7f" in raw
    return b"\\u00" in raw or b"\\b" in raw or b"\\f" in raw or b"\x7f" in raw


def _bad_key(mapping: dict[Any, Any]) -> Any:
    for key in mapping:
        if isinstance(key, str) and CONTROL_CHARACTER.search(key) is not None:
            return key
    return None


def _entries(item: Any) -> Iterator[tuple[Any, Any]] | None:
    if isinstance(item, dict):
        return iter(item.items())
    if isinstance(item, list | tuple):
        return enumerate(item)
    return None


def control_character_at(value: Any) -> Location | None:
    """Where the first string (a value, or a mapping's key) holding a control character sits in
    `value` (JSON-like: mappings, lists, scalars), or None when there is none."""
    if isinstance(value, str):
        return () if CONTROL_CHARACTER.search(value) is not None else None
    # Depth first over iterators, so the first in document order is found; iterative, so that a
    # client's nesting depth never becomes this process's recursion depth.
    stack: list[tuple[Location, Iterator[tuple[Any, Any]]]] = []
    where: Location = ()
    item = value
    while True:
        if isinstance(item, dict) and (key := _bad_key(item)) is not None:
            return (*where, key)
        entries = _entries(item)
        if entries is not None:
            stack.append((where, entries))
        while stack:
            where, entries = stack[-1]
            for key, child in entries:
                if isinstance(child, str):
                    if CONTROL_CHARACTER.search(child) is not None:
                        return (*where, key)
                elif isinstance(child, dict | list | tuple):
                    where, item = (*where, key), child
                    break
            else:
                stack.pop()
                continue
            break
        else:
            return None


def control_character_error(where: Location) -> dict[str, Any]:
    """The refusal as one entry of a validation error list (pydantic's shape), so that every
    contract words it like any other field that fails its schema."""
    return {"type": CONTROL_ERROR_TYPE, "loc": list(where), "msg": CONTROL_ERROR_MSG}


# Row ids, sequence numbers and offsets are INTEGER columns: 32 bits on PostgreSQL, which refuses a
# larger value in a query outright (SQLite takes 64). A client's id past them is simply not there,
# answered as a validation error before any database sees it.
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
Int32 = Annotated[int, Field(ge=INT32_MIN, le=INT32_MAX)]
