"""Messages: sending (through the batch writer), history, typing and catching up."""

from __future__ import annotations

from nodes.runtime.deliveries import deliver
from protocols import chat as wire
from protocols.envelope import Actor, DomainError, Empty, ErrorCode, Role

from . import queries
from .batch import Send
from .conversations import own_conversation
from .deps import ChatDeps
from .handlers import handlers
from .views import NOT_FOUND, message_view


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
    async with deps.read_db() as db:
        conversation, _ = await own_conversation(db, actor, cmd.conversation_id, cmd.conversation_kind)
        newest_first = cmd.after_seq is None and cmd.since is None
        before = cmd.before_seq
        if cmd.before_id is not None:
            before = await queries.message_seq(db, conversation.id, cmd.before_id)
            if before is None:
                raise DomainError(ErrorCode.NOT_FOUND, "Message not found", {"field": "before_id"})
        rows = await queries.message_page(
            db, conversation.id, after_seq=cmd.after_seq, since=cmd.since, before_seq=before,
            newest_first=newest_first, offset=cmd.offset, limit=cmd.limit,
        )  # fmt: skip
    if newest_first:
        rows.reverse()
        has_more = bool(rows) and rows[0].seq > 1
    else:
        has_more = bool(rows) and rows[-1].seq < conversation.last_seq
    return wire.MessagePage(
        items=[message_view(r) for r in rows], has_more=has_more, total=conversation.last_seq
    )


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
    async with deps.read_db() as db:
        for conversation_id, last_seq, kind, topic_id in await queries.heads(db, me, list(cmd.positions)):
            seen = cmd.positions[conversation_id]
            if last_seq <= seen:
                continue
            if last_seq - seen > wire.CATCH_UP_MAX:
                resync.append(conversation_id)
                continue
            missed = await queries.messages_after(db, conversation_id, seen)
            messages.extend(message_view(m) for m in missed)
            topics.append(
                wire.ConversationTopic(
                    conversation_id=conversation_id, conversation_kind=kind, topic_id=topic_id
                )
            )
    return wire.CaughtUp(messages=messages, resync=resync, topics=topics)
