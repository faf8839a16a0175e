"""KV buckets that come back when lost.

A nats-server restart loses every in-memory bucket (and a fresh store all of them); nothing in
NATS brings them back. So each operation on a bucket goes through `Bucket.run`: when it finds the
bucket's stream missing, the bucket is re-created from its declared config and the operation runs
once more. Whoever touches the bucket first after the loss repairs it for everyone.

How many nodes keep a bucket (`[nats] replicas`) is the deployment's, not the declaration's: a
bucket is created with the bus's replicas, and one found with fewer is raised to them when this
process first opens it (never lowered: another process may be configured for more).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamInfo
from nats.js.client import KV_STREAM_TEMPLATE
from nats.js.errors import (
    APIError,
    BucketNotFoundError,
    KeyNotFoundError,
    NoStreamResponseError,
    NotFoundError,
)
from nats.js.kv import KeyValue

from protocols.subjects import BucketConfig

log = logging.getLogger(__name__)

T = TypeVar("T")

# nats-server's error codes: the stream does not exist; it exists with another configuration.
STREAM_NOT_FOUND = 10059
STREAM_NAME_IN_USE = 10058
# ...and it cannot place the replicas: too few nodes (none suitable, or too few resources), or a
# single server asked for more than one.
REPLICAS_REFUSED = (10005, 10023, 10074)


class ReplicasError(RuntimeError):
    """NATS cannot keep a bucket on as many nodes as configured (more than the cluster has, say)."""

    def __init__(self, bucket: str, replicas: int, err: APIError) -> None:
        super().__init__(
            f"NATS refused KV bucket {bucket} with {replicas} replicas ({err.description}): [nats] replicas "
            f"(SOUK_NATS_REPLICAS) must be 1 for a single nats-server and at most the cluster's node count"
        )


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


# A new replicated stream's first leader election: nats-server's raft waits 4 to 9 s at worst.
LEADER_WAIT_S = 15.0
LEADER_POLL_S = 0.1


class Leaderless(Exception):
    """A replicated bucket's stream has no leader (an election, or quorum lost): it answers nothing."""


class Bucket:
    """One KV bucket of a connection, by its config; `run` (or a shortcut) for every operation."""

    def __init__(self, js: JetStreamContext, config: BucketConfig, *, replicas: int = 1) -> None:
        self._js = js
        self.config = config
        self.replicas = replicas
        self._kv: KeyValue | None = None
        self._generation = 0  # counts re-creations, so concurrent finders re-create it once
        self._repairing = asyncio.Lock()
        self._created_at: float | None = None  # when this process last made the stream (loop time)

    @property
    def name(self) -> str:
        return self.config.name

    async def handle(self) -> KeyValue:
        """nats-py's handle on the bucket, which is created on first use. The handle names the
        stream, so it stays good across a re-creation."""
        if self._kv is None:
            try:
                kv = await self._js.key_value(self.name)
            except BucketNotFoundError:
                kv = await self._create()
                await self._await_leader()
            else:
                await self._raise_replicas()
            self._kv = kv
        return self._kv

    async def _raise_replicas(self) -> None:
        info: StreamInfo = await self._js.stream_info(KV_STREAM_TEMPLATE.format(bucket=self.name))
        found = info.config.num_replicas or 1
        if found > self.replicas:
            log.info(
                "KV bucket %s keeps %d replicas, more than configured (%d)", self.name, found, self.replicas
            )
        if found >= self.replicas:
            return
        log.info("KV bucket %s: raising its replicas from %d to %d", self.name, found, self.replicas)
        try:
            await self._js.update_stream(info.config.evolve(num_replicas=self.replicas))
        except APIError as err:
            if getattr(err, "err_code", None) not in REPLICAS_REFUSED:
                raise
            raise ReplicasError(self.name, self.replicas, err) from None

    async def run(self, operation: Callable[[KeyValue], Awaitable[T]]) -> T:
        """`operation` on the bucket; if the bucket turns out to be missing, re-create it and run
        the operation once more."""
        kv = await self.handle()
        generation = self._generation
        repaired = False
        while True:
            try:
                return await operation(kv)
            except Exception as exc:
                if (
                    isinstance(exc, NoStreamResponseError)
                    and self._settling()
                    and await self._stream_exists()
                ):
                    await asyncio.sleep(LEADER_POLL_S)
                    continue
                if repaired or not stream_missing(exc) or not await self._repair(generation, exc):
                    raise
                repaired = True

    def _settling(self) -> bool:
        """Whether this process made the stream moments ago: on a cluster, a new stream's subjects
        reach every node's routes a little after it is created, and a write meanwhile finds no
        stream to answer it (identity's first key at start-up did, and the worker died). Only while
        the stream is there: one lost in a restart moments after its making is re-created at once
        (the scheduler's lease, made at start-up, waited out the whole window and lapsed)."""
        made = self._created_at
        return made is not None and asyncio.get_running_loop().time() - made < LEADER_WAIT_S

    async def check(self) -> bool:
        """Whether the bucket is there; if it is not, it is re-created (and this says False).
        Raises Leaderless when its stream is there but cannot take writes (a cluster lost quorum)."""
        kv = await self.handle()
        generation = self._generation
        try:
            cluster = (await kv.status()).stream_info.cluster
            if cluster is not None and not cluster.leader:
                raise Leaderless(f"KV bucket {self.name} has no leader in the NATS cluster")
        except Exception as exc:
            if not stream_missing(exc) or not await self._repair(generation, exc):
                raise
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

    async def _repair(self, seen_generation: int, found: Exception) -> bool:
        """Re-create the bucket after `found` said it is missing; False if it is there after all."""
        async with self._repairing:
            if self._generation != seen_generation:
                return True  # another operation here re-created it meanwhile
            # A write nothing answered may also have met a replicated stream electing its leader
            # (a cluster node died): the stream is there, only unavailable for a few seconds.
            if isinstance(found, NoStreamResponseError) and await self._stream_exists():
                return False
            log.warning("KV bucket %s was missing in NATS; re-creating it", self.name)
            await self._create()
            await self._await_leader()
            self._generation += 1
            return True

    async def _await_leader(self) -> None:
        """A replicated stream just made answers nothing until its nodes elected a leader (on a
        fresh cluster, the identity worker's first key met "no response from stream" and it died)."""
        if self.replicas <= 1:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + LEADER_WAIT_S
        while True:
            try:
                info = await self._js.stream_info(KV_STREAM_TEMPLATE.format(bucket=self.name))
                if info.cluster is None or info.cluster.leader:
                    return
            except (NatsTimeout, NoRespondersError):
                pass
            if loop.time() > deadline:
                raise Leaderless(f"KV bucket {self.name} elected no leader within {LEADER_WAIT_S:g} s")
            await asyncio.sleep(LEADER_POLL_S)

    async def _stream_exists(self) -> bool:
        try:
            await self._js.stream_info(KV_STREAM_TEMPLATE.format(bucket=self.name))
        except NotFoundError:
            return False
        except (NatsTimeout, NoRespondersError):
            return True  # leaderless streams do not answer; a missing one is said so at once
        return True

    async def _create(self) -> KeyValue:
        self._created_at = asyncio.get_running_loop().time()
        params: dict[str, Any] = {"bucket": self.name, "history": self.config.history}
        if self.config.ttl_s is not None:
            params["ttl"] = self.config.ttl_s
        if self.config.in_memory:
            params["storage"] = StorageType.MEMORY
        if self.replicas > 1:
            params["replicas"] = self.replicas
        try:
            return await self._js.create_key_value(**params)
        except APIError as err:
            code = getattr(err, "err_code", None)
            if code in REPLICAS_REFUSED:
                raise ReplicasError(self.name, self.replicas, err) from None
            if code != STREAM_NAME_IN_USE:
                raise
            # Made meanwhile by a process with another setting (a lease TTL, say): use that one.
            return await self._js.key_value(self.name)
