"""The members' public ids (the contract's `user`), asked of identity once per member and process:
an account's public id never changes, so what is kept never goes stale."""

from __future__ import annotations

from nodes.runtime.bus import Bus
from protocols.envelope import Actor
from protocols.identity import GetUser

KEPT_MAX = 10_000  # members remembered; past that the memory starts afresh


class PublicIds:
    def __init__(self, bus: Bus) -> None:
        self._bus = bus
        self._known: dict[int, str] = {}

    async def of(self, user_id: int) -> str:
        known = self._known.get(user_id)
        if known is None:
            profile = await self._bus.request(GetUser(user_id=user_id), actor=Actor.system())
            if len(self._known) >= KEPT_MAX:
                self._known.clear()
            known = self._known[user_id] = profile.public_id
        return known
