"""The console dashboard's figure of chat: messages sent per time bucket (staff only)."""

from __future__ import annotations

from nodes.workers.counting import require_counter
from protocols import chat as wire
from protocols.counts import Buckets
from protocols.envelope import Actor

from . import queries
from .deps import ChatDeps
from .handlers import handlers


@handlers.on(wire.CountMessages)
async def count_messages(cmd: wire.CountMessages, actor: Actor, deps: ChatDeps) -> Buckets:
    require_counter(actor)
    async with deps.read_db() as db:
        return await queries.messages_sent(db, cmd)
