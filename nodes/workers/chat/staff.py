"""Staff reading conversations they are not in (the operators' console), as the protocol's
`staff_reads` gives them: admins any conversation, managers advisor chats only (any other answers like
a missing one), anyone else `forbidden`.

Reading as staff only reads: no read position moves, the staff member joins nothing, and nothing is
delivered to the participants. The console records each reading in the audit log before showing it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from protocols import chat as wire
from protocols.envelope import Actor, DomainError, ErrorCode
from storage.models.chat import Conversation

from . import queries
from .deps import ChatDeps
from .handlers import handlers
from .views import NOT_FOUND, head_of, members_of, message_view

EVERY_KIND: frozenset[wire.ConversationKind] = frozenset(wire.ConversationKind)


def readable_kinds(actor: Actor) -> frozenset[wire.ConversationKind]:
    """The kinds of conversation the staff member may read; anyone else is `forbidden`."""
    actor.require_user()
    kinds = frozenset(wire.staff_reads(actor.role))
    if not kinds:
        raise DomainError(ErrorCode.FORBIDDEN, "Admins and managers only")
    return kinds


async def staff_views(
    db: AsyncSession, conversations: Sequence[Conversation]
) -> list[wire.StaffConversation]:
    members = await members_of(db, conversations)
    return [
        # Messages are numbered 1..last_seq without gaps: the last is the count.
        wire.StaffConversation(**dict(head_of(c, members[c.id])), message_count=c.last_seq)
        for c in conversations
    ]


@handlers.on(wire.ListConversationsAsStaff)
async def list_conversations_as_staff(
    cmd: wire.ListConversationsAsStaff, actor: Actor, deps: ChatDeps
) -> wire.StaffConversationPage:
    allowed = readable_kinds(actor)
    kinds = allowed if cmd.kind is None else allowed & {cmd.kind}
    if not kinds:  # a kind this staff member may not read: none of it
        return wire.StaffConversationPage(items=[], total=0)
    async with deps.read_db() as db:
        every = [] if kinds == EVERY_KIND else sorted(kinds)
        page, total = await queries.any_conversation_page(db, cmd.user_id, every, cmd.offset, cmd.limit)
        return wire.StaffConversationPage(items=await staff_views(db, page), total=total)


@handlers.on(wire.ReadConversationAsStaff)
async def read_conversation_as_staff(
    cmd: wire.ReadConversationAsStaff, actor: Actor, deps: ChatDeps
) -> wire.StaffMessagePage:
    allowed = readable_kinds(actor)
    async with deps.read_db() as db:
        conversation = await db.get(Conversation, cmd.conversation_id)
        if conversation is None or wire.ConversationKind(conversation.kind) not in allowed:
            raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
        rows = await queries.message_page(
            db, conversation.id, after_seq=None, since=None, before_seq=None,
            newest_first=cmd.newest_first, offset=cmd.offset, limit=cmd.limit,
        )  # fmt: skip
        (view,) = await staff_views(db, [conversation])
    return wire.StaffMessagePage(
        conversation=view, items=[message_view(r) for r in rows], total=conversation.last_seq
    )
