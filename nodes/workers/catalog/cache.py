"""The catalog's caches: lists built from the tables and answered from memory until a write drops
them, each with a version (a digest of its content as it goes on the wire), the same on every replica
for the same content."""

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


class Reloadable(Generic[T]):
    """A value loaded on first use and kept until it is dropped (after a write), then loaded again on
    the next use, or until it is patched; concurrent uses load it once. A load that a drop or a patch
    overtakes is answered but not kept: it may have read the rows before the write."""

    def __init__(self, load: Callable[[], Awaitable[T]]) -> None:
        self._load = load
        self._value: T | None = None
        self._lock = asyncio.Lock()
        self._generation = 0

    async def get(self) -> T:
        value = self._value
        if value is not None:
            return value
        async with self._lock:
            if self._value is not None:
                return self._value
            generation = self._generation
            value = await self._load()
            if generation == self._generation:
                self._value = value
            return value

    def drop(self) -> None:
        self._value = None
        self._generation += 1

    def patch(self, change: Callable[[T], T]) -> None:
        """`change` the value held; none held, a load under way is not kept (it may miss the write)."""
        if self._value is not None:
            self._value = change(self._value)
        else:
            self._generation += 1


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
