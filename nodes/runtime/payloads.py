"""Replies that must fit in one NATS message (1 MB by default, the server's `max_payload`): a list that
grows with the data is cut to a byte budget, and the reply says where it stopped."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)

REPLY_BUDGET_BYTES = 512 * 1024  # half the default limit: the rest of the reply and its envelope fit


def within_budget(items: Iterable[M], budget: int = REPLY_BUDGET_BYTES) -> list[M]:
    """The leading items whose JSON together stays within `budget` bytes (the first one always)."""
    kept: list[M] = []
    size = 0
    for item in items:
        size += len(item.__pydantic_serializer__.to_json(item))
        if kept and size > budget:
            break
        kept.append(item)
    return kept
