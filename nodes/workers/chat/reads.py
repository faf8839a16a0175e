"""Read state: marking a conversation read (receipts to everyone in it) and unread counts."""

from __future__ import annotations

from nodes.runtime.deliveries import deliver
from protocols import chat as wire
from protocols.envelope import Actor, DomainError, ErrorCode

from . import queries
from .conversations import own_conversation
from .deps import ChatDeps
from .handlers import handlers


@handlers.on(wire.MarkRead)
async def mark_read(cmd: wire.MarkRead, actor: Actor, deps: ChatDeps) -> wire.ReadState:
    async with deps.db() as db:
        conversation, mine = await own_conversation(db, actor, cmd.conversation_id, cmd.conversation_kind)
        target = conversation.last_seq if cmd.up_to_seq is None else min(cmd.up_to_seq, conversation.last_seq)
        if cmd.message_id is not None:
            seq = await queries.message_seq(db, conversation.id, cmd.message_id)
            if seq is None:
                raise DomainError(ErrorCode.NOT_FOUND, "Message not found")
            target = seq
        if target > mine.read_seq:  # never backwards, whatever order two devices report in
            await queries.move_read_position(db, conversation.id, actor.user_id, target)
        await db.commit()
        read_seq = max(mine.read_seq, target)
        unread = await queries.unread_count(db, actor.user_id, conversation.id)
    state = wire.ReadState(
        conversation_id=conversation.id, user_id=actor.user_id, read_seq=read_seq, unread_count=unread
    )
    if deps.bus is not None and target > 0:
        # Read receipts to everyone in it, the reader's other devices included.
        await deliver(deps.bus, await deps.participants.of(conversation.id), wire.ReadDelivery(state=state))
    return state


@handlers.on(wire.GetUnreadCounts)
async def get_unread_counts(cmd: wire.GetUnreadCounts, actor: Actor, deps: ChatDeps) -> wire.UnreadCounts:
    me = actor.require_user()
    async with deps.read_db() as db:
        ids = await queries.conversation_ids(db, me, cmd.kind)
        counts = await queries.unread_counts(db, me, ids)
    by_conversation = {i: counts.get(i, 0) for i in ids}
    return wire.UnreadCounts(by_conversation=by_conversation, total=sum(by_conversation.values()))
