"""Conversations: opening, finding, listing, renaming, hiding, blocking. Only participants see one."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from nodes.runtime.deliveries import deliver
from protocols import chat as wire
from protocols.envelope import Actor, DomainError, Empty, ErrorCode, Role
from storage.models.chat import Conversation, Participant

from . import queries
from .deps import ChatDeps
from .handlers import handlers
from .views import NOT_FOUND, conversation_views

STAFF = (Role.MANAGER, Role.ADMIN, Role.SYSTEM)
# Kinds a user may start alone: the other side is the assistant, or support staff who join later.
SOLO_KINDS = (wire.ConversationKind.ADVISOR, wire.ConversationKind.SUPPORT)


async def own_conversation(
    db: AsyncSession, actor: Actor, conversation_id: int, kind: wire.ConversationKind | None = None
) -> tuple[Conversation, Participant]:
    """The conversation and the actor's place in it; anyone else's answers exactly like a missing one."""
    found = await queries.membership(db, actor.require_user(), conversation_id, kind)
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    return found


async def view(db: AsyncSession, user_id: int, conversation: Conversation) -> wire.Conversation:
    return (await conversation_views(db, user_id, [conversation]))[0]


def participant_key(user_ids: set[int]) -> str:
    return ",".join(str(u) for u in sorted(user_ids))


@handlers.on(wire.OpenConversation)
async def open_conversation(cmd: wire.OpenConversation, actor: Actor, deps: ChatDeps) -> wire.Conversation:
    me = actor.require_user()
    people = {me, *cmd.with_users}
    if not set(cmd.roles) <= people or any(len(role) > 16 for role in cmd.roles.values()):
        raise DomainError(ErrorCode.VALIDATION, "Roles are for participants, 16 characters at most")
    if cmd.kind not in SOLO_KINDS and len(people) < 2:
        raise DomainError(
            ErrorCode.VALIDATION, "A conversation needs another participant", {"field": "with_users"}
        )
    key = participant_key(people)
    async with deps.db() as db:
        if (found := await _reusable(db, cmd, key)) is not None:
            return await _reopened(db, me, found)
        now = datetime.now(UTC)
        conversation = Conversation(
            kind=cmd.kind.value, topic_id=cmd.topic_id, title=cmd.title, created_by=me, participant_key=key,
            last_seq=0, created_at=now, updated_at=now,
        )  # fmt: skip
        db.add(conversation)
        try:
            await db.flush()
            db.add_all(Participant(conversation_id=conversation.id, user_id=u, read_seq=0, blocked=False,
                                   role=cmd.roles.get(u), joined_at=now) for u in sorted(people))  # fmt: skip
            await db.commit()
        except IntegrityError:
            await db.rollback()
            # Another request opened the same conversation first, or a participant does not exist.
            if (found := await _reusable(db, cmd, key)) is not None:
                return await _reopened(db, me, found)
            raise DomainError(ErrorCode.NOT_FOUND, "User not found", {"field": "with_users"}) from None
        deps.participants.remember(conversation.id, tuple(sorted(people)))
        result = (await view(db, me, conversation)).model_copy(update={"created": True})
    if deps.bus is not None:
        await deliver(deps.bus, people - {me}, wire.ConversationDelivery(conversation_id=result.id))
    return result


async def _reusable(db: AsyncSession, cmd: wire.OpenConversation, key: str) -> Conversation | None:
    """With `reuse`, the conversation of the same kind and topic between the same participants."""
    return await queries.same_conversation(db, cmd.kind, key, cmd.topic_id) if cmd.reuse else None


async def _reopened(db: AsyncSession, me: int, found: Conversation) -> wire.Conversation:
    mine = await db.get(Participant, (found.id, me))
    if mine is not None and mine.hidden_at is not None:
        mine.hidden_at = None  # opened again: it comes back
        await db.commit()
    return await view(db, me, found)


@handlers.on(wire.GetConversation)
async def get_conversation(cmd: wire.GetConversation, actor: Actor, deps: ChatDeps) -> wire.Conversation:
    async with deps.read_db() as db:
        conversation, _ = await own_conversation(db, actor, cmd.conversation_id, cmd.conversation_kind)
        return await view(db, actor.user_id, conversation)


@handlers.on(wire.FindConversation)
async def find_conversation(cmd: wire.FindConversation, actor: Actor, deps: ChatDeps) -> wire.Conversation:
    me = actor.require_user()
    async with deps.read_db() as db:
        found = await queries.first_about(db, me, cmd.kind, cmd.topic_id)
        if found is None:
            raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
        return await view(db, me, found)


@handlers.on(wire.ListConversations)
async def list_conversations(
    cmd: wire.ListConversations, actor: Actor, deps: ChatDeps
) -> wire.ConversationPage:
    me = actor.require_user()
    whose, kind = me, cmd.kind
    if cmd.user_id is not None and cmd.user_id != me:
        if actor.role not in STAFF:
            raise DomainError(ErrorCode.FORBIDDEN, "Managers only")
        whose = cmd.user_id
        # Another's conversations: only the kinds the role reads as staff (a manager, the advisor's).
        readable = tuple(wire.ConversationKind) if actor.role is Role.SYSTEM else wire.staff_reads(actor.role)
        if kind is not None and kind not in readable:
            return wire.ConversationPage(items=[], total=0)  # "not yours" answers like "not there"
        if kind is None and len(readable) < len(wire.ConversationKind):
            (kind,) = readable  # a role that reads some kinds reads one (a manager: the advisor's)
    async with deps.read_db() as db:
        page, total = await queries.conversation_page(
            db, whose, kind, cmd.topic_id, cmd.search, cmd.offset, cmd.limit
        )
        return wire.ConversationPage(items=await conversation_views(db, whose, page), total=total)


@handlers.on(wire.RenameConversation)
async def rename_conversation(
    cmd: wire.RenameConversation, actor: Actor, deps: ChatDeps
) -> wire.Conversation:
    async with deps.db() as db:
        conversation, _ = await own_conversation(db, actor, cmd.conversation_id, cmd.conversation_kind)
        conversation.title = cmd.title.strip() or conversation.title
        conversation.updated_at = datetime.now(UTC)
        await db.commit()
        return await view(db, actor.user_id, conversation)


@handlers.on(wire.HideConversation)
async def hide_conversation(cmd: wire.HideConversation, actor: Actor, deps: ChatDeps) -> Empty:
    async with deps.db() as db:
        _, mine = await own_conversation(db, actor, cmd.conversation_id, cmd.conversation_kind)
        mine.hidden_at = datetime.now(UTC)
        await db.commit()
    return Empty()


@handlers.on(wire.SetBlocked)
async def set_blocked(cmd: wire.SetBlocked, actor: Actor, deps: ChatDeps) -> wire.Conversation:
    async with deps.db() as db:
        conversation, mine = await own_conversation(db, actor, cmd.conversation_id, cmd.conversation_kind)
        mine.blocked = cmd.blocked
        await db.commit()
        return await view(db, actor.user_id, conversation)


@handlers.on(wire.ListContacts)
async def list_contacts(cmd: wire.ListContacts, actor: Actor, deps: ChatDeps) -> wire.Contacts:
    if actor.role is not Role.SYSTEM:
        raise DomainError(ErrorCode.FORBIDDEN, "workers only")
    async with deps.read_db() as db:
        return wire.Contacts(user_ids=await queries.contacts(db, cmd.user_id))
