"""Presence transitions: a user is online while any edge holds a live key for them.

Each transition is decided by an atomic write on the state bucket (`create` of `online.<user>` to
come online, a delete by revision to go offline), so several worker replicas, or an edge's report
racing the scheduled sweep, announce each change once. The sweep also repairs what a race could
leave behind in either direction.

A missing key means "offline" only once the edges had their time to write their keys again after
the bucket's trouble (`absences`): until then an absence is held, and a later sweep announces it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from nats.js.errors import KeyDeletedError, KeyNotFoundError, KeyWrongLastSequenceError

from nodes.runtime.deliveries import deliver
from nodes.runtime.kv import drop_marker, remove_key, serving_since
from protocols import presence as wire
from protocols.chat import ListContacts
from protocols.envelope import Actor, DomainError, Empty, ErrorCode, Role

from . import state
from .absences import PROBE_KEY, absence_held, sweep_writes, writes_since
from .deps import PresenceDeps
from .handlers import handlers

log = logging.getLogger(__name__)


async def _trusted_from(deps: PresenceDeps) -> datetime:
    """For an edge's report: since when absences may be believed (see `absences`)."""
    bucket = deps.connections
    served = await bucket.run(lambda _kv: serving_since(deps.bus.nc, bucket.name))
    return max(served, await writes_since(deps))


async def _came_online(deps: PresenceDeps, user_id: int) -> None:
    try:
        await deps.state.create(state.online_key(user_id), datetime.now(UTC).isoformat().encode())
    except KeyWrongLastSequenceError:
        return  # already announced
    await _announce(deps, wire.UserPresence(user_id=user_id, online=True, last_seen=datetime.now(UTC)))


async def _went_offline(deps: PresenceDeps, user_id: int, trusted_from: datetime) -> None:
    key = state.online_key(user_id)
    js, bucket = deps.bus.jetstream, deps.state
    try:
        entry = await bucket.get(key)
        if absence_held(deps.settings, deps.troubles, user_id, _announced_at(entry.value), trusted_from):
            log.debug("presence: user %s has no key yet after the bucket's reset; held", user_id)
            return
        await bucket.run(lambda _kv: remove_key(js, bucket.name, key, last=entry.revision))
    except KeyDeletedError as gone:
        # A marker that an interrupted `remove_key` left: the sweep would meet it every round.
        if gone.entry is not None:
            await drop_marker(js, bucket.name, key, gone.entry.revision)
        return
    except (KeyNotFoundError, KeyWrongLastSequenceError):
        return  # not announced online, or another replica got here first
    now = datetime.now(UTC)
    await deps.state.put(state.seen_key(user_id), now.isoformat().encode())
    await _announce(deps, wire.UserPresence(user_id=user_id, online=False, last_seen=now))


async def _announce(deps: PresenceDeps, presence: wire.UserPresence) -> None:
    contacts = await deps.bus.request(ListContacts(user_id=presence.user_id), actor=Actor.system())
    if contacts.user_ids:
        await deliver(deps.bus, contacts.user_ids, wire.PresenceDelivery(presence=presence))


def _announced_at(value: bytes | None) -> datetime:
    return datetime.fromisoformat(value.decode()) if value else datetime.min.replace(tzinfo=UTC)


async def _settle(deps: PresenceDeps, user_id: int, trusted_from: datetime | None = None) -> None:
    """Announce what the connections bucket says of the user now, if that is a change."""
    if await state.connected(deps, user_id):
        await _came_online(deps, user_id)
    else:
        await _went_offline(deps, user_id, trusted_from or await _trusted_from(deps))


@handlers.on(wire.PresenceChanged)
async def presence_changed(cmd: wire.PresenceChanged, actor: Actor, deps: PresenceDeps) -> Empty:
    if actor.role is not Role.SYSTEM:
        raise DomainError(ErrorCode.FORBIDDEN, "edges only")
    with state.nats_trouble():
        await _settle(deps, cmd.user_id)
    return Empty()


@handlers.on(wire.SweepPresence)
async def sweep_presence(_cmd: wire.SweepPresence, actor: Actor, deps: PresenceDeps) -> Empty:
    if actor.role is not Role.SYSTEM:
        raise DomainError(ErrorCode.FORBIDDEN, "scheduled work only")
    with state.nats_trouble():
        trouble_ended = await sweep_writes(deps)
        try:
            connections = await state.connections(deps)
        except Exception:
            deps.troubles.began()  # a listing refused (no leader): keys may be lost meanwhile
            raise
        trusted_from = max(connections.serving_since, trouble_ended)
        connected = {wire.user_of_key(key) for key in connections.keys if key != PROBE_KEY}
        announced = await state.announced(deps)
        deps.troubles.keep_only(announced - connected)
        for user_id in sorted(connected ^ announced):
            await _settle(deps, user_id, trusted_from)
    return Empty()
