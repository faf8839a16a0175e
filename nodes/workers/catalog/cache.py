"""The catalog's caches: lists built once from the tables and answered from memory, each with a version
(a digest of its content as it goes on the wire), the same on every replica for the same content."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Generic, TypeVar

from protocols.catalog import CategoryList
from protocols.envelope import Message

T = TypeVar("T")
L = TypeVar("L", bound=Message)
Item = TypeVar("Item", bound=Message)


def version_of(items: Sequence[Message]) -> str:
    digest = hashlib.blake2b(digest_size=12)
    for item in items:
        digest.update(item.__pydantic_serializer__.to_json(item))
        digest.update(b"\n")
    return digest.hexdigest()


def listed(list_type: type[L], items: list[Item]) -> L:
    """`items` as a list reply of `list_type` (`items` and `version`)."""
    return list_type.model_validate({"items": items, "version": version_of(items)})


def grouped(list_type: type[L], items: Iterable[Item], keys: Callable[[Item], Iterable[int]]) -> dict[int, L]:
    """A list reply per key, each holding the items (in their order) that `keys` files under it."""
    groups: dict[int, list[Item]] = {}
    for item in items:
        for key in keys(item):
            groups.setdefault(key, []).append(item)
    return {key: listed(list_type, members) for key, members in groups.items()}


class LoadedOnce(Generic[T]):
    """A value loaded on first use and kept for the worker's life (concurrent first uses load it once)."""

    def __init__(self, load: Callable[[], Awaitable[T]]) -> None:
        self._load = load
        self._value: T | None = None
        self._lock = asyncio.Lock()

    async def get(self) -> T:
        if self._value is None:
            async with self._lock:
                if self._value is None:
                    self._value = await self._load()
        return self._value


class CategoryCache:
    """The category lists (the active ones; every one), dropped on any category write: by this worker
    at once, by the others when they hear `CategoriesChanged`."""

    def __init__(self) -> None:
        self._lists: dict[bool, CategoryList] = {}
        self._generation = 0

    @property
    def generation(self) -> int:
        """Read before loading a list and handed back to `keep`: a write in between makes it stale."""
        return self._generation

    def get(self, include_inactive: bool) -> CategoryList | None:
        return self._lists.get(include_inactive)

    def keep(self, include_inactive: bool, categories: CategoryList, generation: int) -> None:
        if generation == self._generation:
            self._lists[include_inactive] = categories

    def clear(self) -> None:
        self._lists.clear()
        self._generation += 1
