"""Reading presence: whether a user's contacts are online, and when they were last seen."""

from __future__ import annotations

from datetime import UTC, datetime

from protocols import presence as wire
from protocols.chat import ListContacts
from protocols.envelope import Actor

from . import state
from .deps import PresenceDeps
from .handlers import handlers


@handlers.on(wire.GetPresence)
async def get_presence(cmd: wire.GetPresence, actor: Actor, deps: PresenceDeps) -> wire.PresenceList:
    me = actor.require_user()
    contacts = await deps.bus.request(ListContacts(user_id=me), actor=Actor.system())
    visible = set(contacts.user_ids) | {me}
    items = []
    now = datetime.now(UTC)
    with state.nats_trouble():
        for user_id in dict.fromkeys(u for u in cmd.user_ids if u in visible):
            online = await state.announced_online(deps, user_id)
            last_seen = now if online else await state.last_seen(deps, user_id)
            items.append(wire.UserPresence(user_id=user_id, online=online, last_seen=last_seen))
    return wire.PresenceList(items=items)
