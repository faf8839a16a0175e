"""KV buckets that come back when lost.

A nats-server restart loses every in-memory bucket (and a fresh store all of them); nothing in
NATS brings them back. So each operation on a bucket goes through `Bucket.run`: when it finds the
bucket's stream missing, the bucket is re-created from its declared config and the operation runs
once more. Whoever touches the bucket first after the loss repairs it for everyone.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from nats.js import JetStreamContext
from nats.js.api import StorageType
from nats.js.errors import APIError, BucketNotFoundError, KeyNotFoundError, NoStreamResponseError
from nats.js.kv import KeyValue

from protocols.subjects import BucketConfig

log = logging.getLogger(__name__)

T = TypeVar("T")

# nats-server's error codes: the stream does not exist; it exists with another configuration.
STREAM_NOT_FOUND = 10059
STREAM_NAME_IN_USE = 10058


def stream_missing(exc: BaseException) -> bool:
    """Whether `exc` says the bucket's stream is not there.

    A write meets no stream listening on its subject; an API call names the stream not found; a
    read of a key is told "key not found" by nats-py, which keeps the server's answer as its context.
    """
    if isinstance(exc, (NoStreamResponseError, BucketNotFoundError)):
        return True
    # nats-py's KV errors are APIErrors that may lack the attribute.
    if isinstance(exc, APIError) and getattr(exc, "err_code", None) == STREAM_NOT_FOUND:
        return True
    context = exc.__context__
    return isinstance(exc, KeyNotFoundError) and context is not None and stream_missing(context)


class Bucket:
    """One KV bucket of a connection, by its config; `run` (or a shortcut) for every operation."""

    def __init__(self, js: JetStreamContext, config: BucketConfig) -> None:
        self._js = js
        self.config = config
        self._kv: KeyValue | None = None
        self._generation = 0  # counts re-creations, so concurrent finders re-create it once
        self._repairing = asyncio.Lock()

    @property
    def name(self) -> str:
        return self.config.name

    async def handle(self) -> KeyValue:
        """nats-py's handle on the bucket, which is created on first use. The handle names the
        stream, so it stays good across a re-creation."""
        if self._kv is None:
            try:
                self._kv = await self._js.key_value(self.name)
            except BucketNotFoundError:
                self._kv = await self._create()
        return self._kv

    async def run(self, operation: Callable[[KeyValue], Awaitable[T]]) -> T:
        """`operation` on the bucket; if the bucket turns out to be missing, re-create it and run
        the operation once more."""
        kv = await self.handle()
        generation = self._generation
        try:
            return await operation(kv)
        except Exception as exc:
            if not stream_missing(exc):
                raise
        await self._repair(generation)
        return await operation(kv)

    async def check(self) -> bool:
        """Whether the bucket is there; if it is not, it is re-created (and this says False)."""
        kv = await self.handle()
        generation = self._generation
        try:
            await kv.status()
        except Exception as exc:
            if not stream_missing(exc):
                raise
            await self._repair(generation)
            return False
        return True

    async def get(self, key: str) -> KeyValue.Entry:
        return await self.run(lambda kv: kv.get(key))

    async def put(self, key: str, value: bytes) -> int:
        return await self.run(lambda kv: kv.put(key, value))

    async def create(self, key: str, value: bytes) -> int:
        return await self.run(lambda kv: kv.create(key, value))

    async def update(self, key: str, value: bytes, *, last: int | None) -> int:
        return await self.run(lambda kv: kv.update(key, value, last=last))

    async def delete(self, key: str, *, last: int | None = None) -> bool:
        return await self.run(lambda kv: kv.delete(key, last=last))

    async def status(self) -> KeyValue.BucketStatus:
        return await self.run(lambda kv: kv.status())

    async def _repair(self, seen_generation: int) -> None:
        async with self._repairing:
            if self._generation != seen_generation:
                return  # another operation here re-created it meanwhile
            log.warning("KV bucket %s was missing in NATS; re-creating it", self.name)
            await self._create()
            self._generation += 1

    async def _create(self) -> KeyValue:
        params: dict[str, Any] = {"bucket": self.name, "history": self.config.history}
        if self.config.ttl_s is not None:
            params["ttl"] = self.config.ttl_s
        if self.config.in_memory:
            params["storage"] = StorageType.MEMORY
        try:
            return await self._js.create_key_value(**params)
        except APIError as err:
            if getattr(err, "err_code", None) != STREAM_NAME_IN_USE:
                raise
            # Made meanwhile by a process with another setting (a lease TTL, say): use that one.
            return await self._js.key_value(self.name)
