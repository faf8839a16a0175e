"""Presence transitions: a user is online while any edge holds a live key for them.

Each transition is decided by an atomic write on the state bucket (`create` of `online.<user>` to
come online, a delete by revision to go offline), so several worker replicas, or an edge's report
racing the scheduled sweep, announce each change once. The sweep also repairs what a race could
leave behind in either direction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import nats.errors
from nats.js.errors import KeyDeletedError, KeyNotFoundError, KeyWrongLastSequenceError

from nodes.runtime.deliveries import deliver
from nodes.runtime.kv import drop_marker, has_live_key, live_keys, remove_key
from nodes.runtime.worker import Handlers
from protocols import presence as wire
from protocols.chat import ListContacts
from protocols.envelope import Actor, DomainError, Empty, ErrorCode, Role

from .deps import PresenceDeps

log = logging.getLogger(__name__)

handlers: Handlers[PresenceDeps] = Handlers(wire.DOMAIN)


@contextmanager
def _nats_trouble() -> Iterator[None]:
    """NATS failing (restarting, say) is an `unavailable` answer and one log line, not a traceback;
    a bucket it lost is re-created on the way (`Bucket.run`), so the next try finds it again."""
    try:
        yield
    except (nats.errors.Error, TimeoutError) as exc:
        log.warning("presence state in NATS unreachable: %r", exc)
        raise DomainError(ErrorCode.UNAVAILABLE, "presence state unreachable") from None


async def _keys(deps: PresenceDeps, pattern: str, *, state: bool = False) -> list[str]:
    bucket = deps.state if state else deps.connections
    return await bucket.run(lambda _kv: live_keys(deps.bus.nc, bucket.name, pattern))


async def _connected(deps: PresenceDeps, user_id: int) -> bool:
    bucket = deps.connections
    return await bucket.run(lambda _kv: has_live_key(deps.bus.jetstream, bucket.name, f"{user_id}.*"))


async def _announced_online(deps: PresenceDeps, user_id: int) -> bool:
    try:
        await deps.state.get(f"online.{user_id}")
    except KeyNotFoundError:  # KeyDeletedError included
        return False
    return True


async def _last_seen(deps: PresenceDeps, user_id: int) -> datetime | None:
    try:
        entry = await deps.state.get(f"seen.{user_id}")
    except KeyNotFoundError:
        return None
    return datetime.fromisoformat(entry.value.decode()) if entry.value else None


async def _came_online(deps: PresenceDeps, user_id: int) -> None:
    try:
        await deps.state.create(f"online.{user_id}", datetime.now(UTC).isoformat().encode())
    except KeyWrongLastSequenceError:
        return  # already announced
    await _announce(deps, wire.UserPresence(user_id=user_id, online=True, last_seen=datetime.now(UTC)))


async def _went_offline(deps: PresenceDeps, user_id: int) -> None:
    key = f"online.{user_id}"
    js, bucket = deps.bus.jetstream, deps.state
    try:
        entry = await bucket.get(key)
        await bucket.run(lambda _kv: remove_key(js, bucket.name, key, last=entry.revision))
    except KeyDeletedError as gone:
        # A marker that an interrupted `remove_key` left: the sweep would meet it every round.
        if gone.entry is not None:
            await drop_marker(js, bucket.name, key, gone.entry.revision)
        return
    except (KeyNotFoundError, KeyWrongLastSequenceError):
        return  # not announced online, or another replica got here first
    now = datetime.now(UTC)
    await deps.state.put(f"seen.{user_id}", now.isoformat().encode())
    await _announce(deps, wire.UserPresence(user_id=user_id, online=False, last_seen=now))


async def _announce(deps: PresenceDeps, presence: wire.UserPresence) -> None:
    contacts = await deps.bus.request(ListContacts(user_id=presence.user_id), actor=Actor.system())
    if contacts.user_ids:
        await deliver(deps.bus, contacts.user_ids, wire.PresenceDelivery(presence=presence))


async def _settle(deps: PresenceDeps, user_id: int) -> None:
    if await _connected(deps, user_id):
        await _came_online(deps, user_id)
    else:
        await _went_offline(deps, user_id)


@handlers.on(wire.PresenceChanged)
async def presence_changed(cmd: wire.PresenceChanged, actor: Actor, deps: PresenceDeps) -> Empty:
    if actor.role is not Role.SYSTEM:
        raise DomainError(ErrorCode.FORBIDDEN, "edges only")
    with _nats_trouble():
        await _settle(deps, cmd.user_id)
    return Empty()


@handlers.on(wire.SweepPresence)
async def sweep_presence(_cmd: wire.SweepPresence, actor: Actor, deps: PresenceDeps) -> Empty:
    if actor.role is not Role.SYSTEM:
        raise DomainError(ErrorCode.FORBIDDEN, "scheduled work only")
    with _nats_trouble():
        connected = {wire.user_of_key(key) for key in await _keys(deps, ">")}
        announced = {int(key.split(".", 1)[1]) for key in await _keys(deps, "online.*", state=True)}
        for user_id in sorted(connected ^ announced):
            await _settle(deps, user_id)
    return Empty()


@handlers.on(wire.GetPresence)
async def get_presence(cmd: wire.GetPresence, actor: Actor, deps: PresenceDeps) -> wire.PresenceList:
    me = actor.require_user()
    contacts = await deps.bus.request(ListContacts(user_id=me), actor=Actor.system())
    visible = set(contacts.user_ids) | {me}
    items = []
    now = datetime.now(UTC)
    with _nats_trouble():
        for user_id in dict.fromkeys(u for u in cmd.user_ids if u in visible):
            online = await _announced_online(deps, user_id)
            last_seen = now if online else await _last_seen(deps, user_id)
            items.append(wire.UserPresence(user_id=user_id, online=online, last_seen=last_seen))
    return wire.PresenceList(items=items)
