"""Writing in batches without letting one bad item fail the others."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


async def store_isolating_failures(
    items: Sequence[T],
    store: Callable[[list[T]], Awaitable[list[R]]],
    failed: Callable[[T, Exception], None],
) -> list[R]:
    """`store(items)`; when that raises, each half is stored apart, and so on down to the single
    item that fails alone (`failed` is told), so every other item of the batch is still stored.

    `store` must be all-or-nothing (one transaction): a call that raised has stored nothing. One bad
    item costs about 2·log2(n) extra transactions; a batch that only fails as a whole (the database
    is down) costs 2n-1 attempts, each failing fast.
    """
    try:
        return await store(list(items))
    except Exception as exc:  # noqa: BLE001 - whatever the store refuses, one item at a time finds it
        if len(items) == 1:
            failed(items[0], exc)
            return []
    middle = len(items) // 2
    first = await store_isolating_failures(items[:middle], store, failed)
    return first + await store_isolating_failures(items[middle:], store, failed)
