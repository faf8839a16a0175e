"""What the two buckets say: who has live keys in `connections`, who is announced online and when
each was last seen in `state`. A NATS failure while asking is an `unavailable` answer (`nats_trouble`)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import nats.errors
from nats.js.errors import KeyNotFoundError

from nodes.runtime.kv import KeyListing, has_live_key, list_keys, live_keys
from protocols.envelope import DomainError, ErrorCode

from .deps import PresenceDeps

log = logging.getLogger(__name__)


def online_key(user_id: int) -> str:
    return f"online.{user_id}"


def seen_key(user_id: int) -> str:
    return f"seen.{user_id}"


@contextmanager
def nats_trouble() -> Iterator[None]:
    """NATS failing (restarting, say) is an `unavailable` answer and one log line, not a traceback;
    a bucket it lost is re-created on the way (`Bucket.run`), so the next try finds it again."""
    try:
        yield
    except (nats.errors.Error, TimeoutError) as exc:
        log.warning("presence state in NATS unreachable: %r", exc)
        raise DomainError(ErrorCode.UNAVAILABLE, "presence state unreachable") from None


async def announced(deps: PresenceDeps) -> set[int]:
    """Everyone announced online."""
    bucket = deps.state
    keys = await bucket.run(lambda _kv: live_keys(deps.bus.nc, bucket.name, "online.*"))
    return {int(key.split(".", 1)[1]) for key in keys}


async def connections(deps: PresenceDeps) -> KeyListing:
    bucket = deps.connections
    return await bucket.run(lambda _kv: list_keys(deps.bus.nc, bucket.name, ">"))


async def connected(deps: PresenceDeps, user_id: int) -> bool:
    bucket = deps.connections
    return await bucket.run(lambda _kv: has_live_key(deps.bus.jetstream, bucket.name, f"{user_id}.*"))


async def announced_online(deps: PresenceDeps, user_id: int) -> bool:
    try:
        await deps.state.get(online_key(user_id))
    except KeyNotFoundError:  # KeyDeletedError included
        return False
    return True


async def last_seen(deps: PresenceDeps, user_id: int) -> datetime | None:
    try:
        entry = await deps.state.get(seen_key(user_id))
    except KeyNotFoundError:
        return None
    return datetime.fromisoformat(entry.value.decode()) if entry.value else None
