"""Messages: sending (through the batch writer), history, read state, typing and catching up."""

from __future__ import annotations

from sqlalchemy import func, select, update

from nodes.runtime.deliveries import deliver
from protocols import chat as wire
from protocols.envelope import Actor, DomainError, Empty, ErrorCode, Role
from storage.models.chat import ChatMessage, Conversation, Participant

from .batch import Send
from .conversations import own_conversation
from .deps import ChatDeps
from .handlers import handlers
from .views import NOT_FOUND, message_view, unread_clause


@handlers.on(wire.SendMessage)
async def send_message(cmd: wire.SendMessage, actor: Actor, deps: ChatDeps) -> wire.MessageStored:
    sender = actor.require_user()
    body = cmd.body.strip()
    if not body and not cmd.attachments:
        raise DomainError(ErrorCode.VALIDATION, "Message is empty", {"field": "body"})
    if cmd.kind is wire.MessageKind.SYSTEM:
        raise DomainError(ErrorCode.VALIDATION, "Clients cannot send system messages", {"field": "kind"})
    send = Send(
        conversation_id=cmd.conversation_id, sender_id=sender, author=wire.Author.USER, kind=cmd.kind, body=body,
        attachments=list(cmd.attachments), client_msg_id=cmd.client_msg_id, conversation_kind=cmd.conversation_kind,
        sender_copy=cmd.sender_copy,
    )  # fmt: skip
    return await deps.writer.store(send)


@handlers.on(wire.PostAssistantMessage)
async def post_assistant_message(
    cmd: wire.PostAssistantMessage, actor: Actor, deps: ChatDeps
) -> wire.MessageStored:
    if actor.role is not Role.SYSTEM:
        raise DomainError(ErrorCode.FORBIDDEN, "workers only")
    kind = wire.MessageKind.SYSTEM if cmd.author is wire.Author.SYSTEM else wire.MessageKind.TEXT
    send = Send(
        conversation_id=cmd.conversation_id, sender_id=None, author=cmd.author, kind=kind, body=cmd.body,
        attachments=[], client_msg_id=None,
    )  # fmt: skip
    return await deps.writer.store(send)


@handlers.on(wire.ListMessages)
async def list_messages(cmd: wire.ListMessages, actor: Actor, deps: ChatDeps) -> wire.MessagePage:
    """Messages are numbered 1..last_seq without gaps, so `total` and `has_more` need no counting."""
    async with deps.db() as db:
        conversation, _ = await own_conversation(db, actor, cmd.conversation_id, cmd.conversation_kind)
        query = select(ChatMessage).where(ChatMessage.conversation_id == conversation.id)
        newest_first = cmd.after_seq is None and cmd.since is None
        if cmd.after_seq is not None:
            query = query.where(ChatMessage.seq > cmd.after_seq)
        if cmd.since is not None:
            query = query.where(ChatMessage.created_at > cmd.since)
        before = cmd.before_seq
        if cmd.before_id is not None:
            before = await db.scalar(
                select(ChatMessage.seq).where(
                    ChatMessage.id == cmd.before_id, ChatMessage.conversation_id == conversation.id
                )
            )
            if before is None:
                raise DomainError(ErrorCode.NOT_FOUND, "Message not found", {"field": "before_id"})
        if before is not None:
            query = query.where(ChatMessage.seq < before)
        order = ChatMessage.seq.desc() if newest_first else ChatMessage.seq.asc()
        rows = list(await db.scalars(query.order_by(order).offset(cmd.offset).limit(cmd.limit)))
    if newest_first:
        rows.reverse()
        has_more = bool(rows) and rows[0].seq > 1
    else:
        has_more = bool(rows) and rows[-1].seq < conversation.last_seq
    return wire.MessagePage(
        items=[message_view(r) for r in rows], has_more=has_more, total=conversation.last_seq
    )


@handlers.on(wire.MarkRead)
async def mark_read(cmd: wire.MarkRead, actor: Actor, deps: ChatDeps) -> wire.ReadState:
    async with deps.db() as db:
        conversation, mine = await own_conversation(db, actor, cmd.conversation_id, cmd.conversation_kind)
        target = conversation.last_seq if cmd.up_to_seq is None else min(cmd.up_to_seq, conversation.last_seq)
        if cmd.message_id is not None:
            seq = await db.scalar(
                select(ChatMessage.seq).where(
                    ChatMessage.id == cmd.message_id, ChatMessage.conversation_id == conversation.id
                )
            )
            if seq is None:
                raise DomainError(ErrorCode.NOT_FOUND, "Message not found")
            target = seq
        if target > mine.read_seq:  # never backwards, whatever order two devices report in
            await db.execute(
                update(Participant)
                .where(Participant.conversation_id == conversation.id, Participant.user_id == actor.user_id,
                       Participant.read_seq < target)
                .values(read_seq=target)
            )  # fmt: skip
        await db.commit()
        read_seq = max(mine.read_seq, target)
        unread = await db.scalar(
            select(func.count(ChatMessage.id))
            .select_from(Participant)
            .join(ChatMessage, unread_clause(actor.user_id))  # type: ignore[arg-type]
            .where(Participant.conversation_id == conversation.id, Participant.user_id == actor.user_id)
        )
    state = wire.ReadState(
        conversation_id=conversation.id, user_id=actor.user_id, read_seq=read_seq, unread_count=unread or 0
    )
    if deps.bus is not None and target > 0:
        # Read receipts to everyone in it, the reader's other devices included.
        await deliver(deps.bus, await deps.participants.of(conversation.id), wire.ReadDelivery(state=state))
    return state


@handlers.on(wire.Typing)
async def typing(cmd: wire.Typing, actor: Actor, deps: ChatDeps) -> Empty:
    people = await deps.participants.of(cmd.conversation_id)
    if actor.require_user() not in people:
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    if deps.bus is not None:
        delivery = wire.TypingDelivery(
            conversation_id=cmd.conversation_id, user_id=actor.user_id, typing=cmd.typing
        )
        await deliver(deps.bus, (u for u in people if u != actor.user_id), delivery)
    return Empty()


@handlers.on(wire.CatchUp)
async def catch_up(cmd: wire.CatchUp, actor: Actor, deps: ChatDeps) -> wire.CaughtUp:
    """What a reconnecting client missed; conversations it is not in are silently left out."""
    me = actor.require_user()
    if not cmd.positions:
        return wire.CaughtUp(messages=[])
    messages: list[wire.ChatMessage] = []
    resync: list[int] = []
    topics: list[wire.ConversationTopic] = []
    async with deps.db() as db:
        rows = await db.execute(
            select(Conversation.id, Conversation.last_seq, Conversation.kind, Conversation.topic_id)
            .join(Participant, Participant.conversation_id == Conversation.id)
            .where(Conversation.id.in_(list(cmd.positions)), Participant.user_id == me,
                   Participant.hidden_at.is_(None))
            .order_by(Conversation.id)
        )  # fmt: skip
        for conversation_id, last_seq, kind, topic_id in rows.tuples():
            seen = cmd.positions[conversation_id]
            if last_seq <= seen:
                continue
            if last_seq - seen > wire.CATCH_UP_MAX:
                resync.append(conversation_id)
                continue
            missed = await db.scalars(
                select(ChatMessage)
                .where(ChatMessage.conversation_id == conversation_id, ChatMessage.seq > seen)
                .order_by(ChatMessage.seq)
            )
            messages.extend(message_view(m) for m in missed)
            topics.append(
                wire.ConversationTopic(conversation_id=conversation_id, conversation_kind=kind, topic_id=topic_id)
            )
    return wire.CaughtUp(messages=messages, resync=resync, topics=topics)
