"""Who is in a conversation. Participants never change once a conversation exists, so the answer is
cached for good (bounded): typing and deliveries need it on every event."""

from __future__ import annotations

from collections import OrderedDict

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from . import queries

CACHE_SIZE = 50_000


class ParticipantCache:
    def __init__(self, db: async_sessionmaker[AsyncSession], size: int = CACHE_SIZE) -> None:
        self._db = db
        self._size = size
        self._known: OrderedDict[int, tuple[int, ...]] = OrderedDict()

    def remember(self, conversation_id: int, user_ids: tuple[int, ...]) -> None:
        self._known[conversation_id] = user_ids
        self._known.move_to_end(conversation_id)
        if len(self._known) > self._size:
            self._known.popitem(last=False)

    async def of(self, conversation_id: int) -> tuple[int, ...]:
        """The participants (empty for a conversation that does not exist)."""
        known = self._known.get(conversation_id)
        if known is not None:
            self._known.move_to_end(conversation_id)
            return known
        async with self._db() as db:
            users = await queries.participant_ids(db, conversation_id)
        if users:
            self.remember(conversation_id, users)
        return users
