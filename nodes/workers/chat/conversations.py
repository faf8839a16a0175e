"""Conversations: opening, finding, listing, renaming, hiding, blocking. Only participants see one."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from nodes.runtime.deliveries import deliver
from protocols import chat as wire
from protocols.envelope import Actor, DomainError, Empty, ErrorCode, Role
from storage.models.chat import Conversation, Participant
from storage.search import LIKE_ESCAPE, contains_pattern

from .deps import ChatDeps
from .handlers import handlers
from .views import NOT_FOUND, conversation_views, unread_counts

STAFF = (Role.MANAGER, Role.ADMIN, Role.SYSTEM)
# Kinds a user may start alone: the other side is the assistant, or support staff who join later.
SOLO_KINDS = (wire.ConversationKind.ADVISOR, wire.ConversationKind.SUPPORT)



async def own_conversation(
    db: AsyncSession, actor: Actor, conversation_id: int, kind: wire.ConversationKind | None = None
) -> tuple[Conversation, Participant]:
    """The conversation and the actor's place in it; anyone else's answers exactly like a missing one."""
    row = (
        await db.execute(
            select(Conversation, Participant)
            .join(Participant, Participant.conversation_id == Conversation.id)
            .where(
                Conversation.id == conversation_id,
                Participant.user_id == actor.require_user(),
                Participant.hidden_at.is_(None),
                *([Conversation.kind == kind.value] if kind is not None else []),
            )
        )
    ).one_or_none()
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    return row.tuple()


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
        if cmd.reuse and (found := await _existing(db, cmd, key)) is not None:
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
            if cmd.reuse and (found := await _existing(db, cmd, key)) is not None:
                return await _reopened(db, me, found)
            raise DomainError(ErrorCode.NOT_FOUND, "User not found", {"field": "with_users"}) from None
        deps.participants.remember(conversation.id, tuple(sorted(people)))
        result = (await view(db, me, conversation)).model_copy(update={"created": True})
    if deps.bus is not None:
        await deliver(deps.bus, people - {me}, wire.ConversationDelivery(conversation_id=result.id))
    return result


async def _existing(db: AsyncSession, cmd: wire.OpenConversation, key: str) -> Conversation | None:
    return await db.scalar(
        select(Conversation)
        .where(
            Conversation.kind == cmd.kind.value,
            Conversation.participant_key == key,
            _same_topic(cmd.topic_id),
        )
        .order_by(Conversation.id)
        .limit(1)
    )


async def _reopened(db: AsyncSession, me: int, found: Conversation) -> wire.Conversation:
    mine = await db.get(Participant, (found.id, me))
    if mine is not None and mine.hidden_at is not None:
        mine.hidden_at = None  # opened again: it comes back
        await db.commit()
    return await view(db, me, found)


def _same_topic(topic_id: str | None) -> ColumnElement[bool]:
    return Conversation.topic_id.is_(None) if topic_id is None else Conversation.topic_id == topic_id


@handlers.on(wire.GetConversation)
async def get_conversation(cmd: wire.GetConversation, actor: Actor, deps: ChatDeps) -> wire.Conversation:
    async with deps.db() as db:
        conversation, _ = await own_conversation(db, actor, cmd.conversation_id, cmd.conversation_kind)
        return await view(db, actor.user_id, conversation)


@handlers.on(wire.FindConversation)
async def find_conversation(cmd: wire.FindConversation, actor: Actor, deps: ChatDeps) -> wire.Conversation:
    me = actor.require_user()
    async with deps.db() as db:
        found = await db.scalar(
            select(Conversation)
            .join(Participant, Participant.conversation_id == Conversation.id)
            .where(Conversation.kind == cmd.kind.value, Conversation.topic_id == cmd.topic_id,
                   Participant.user_id == me, Participant.hidden_at.is_(None))
            .order_by(Conversation.id)
            .limit(1)
        )  # fmt: skip
        if found is None:
            raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
        return await view(db, me, found)


@handlers.on(wire.ListConversations)
async def list_conversations(
    cmd: wire.ListConversations, actor: Actor, deps: ChatDeps
) -> wire.ConversationPage:
    me = actor.require_user()
    whose = me
    if cmd.user_id is not None and cmd.user_id != me:
        if actor.role not in STAFF:
            raise DomainError(ErrorCode.FORBIDDEN, "Managers only")
        whose = cmd.user_id
    where: list[ColumnElement[bool]] = [Participant.user_id == whose, Participant.hidden_at.is_(None)]
    if cmd.kind is not None:
        where.append(Conversation.kind == cmd.kind.value)
    if cmd.topic_id is not None:
        where.append(Conversation.topic_id == cmd.topic_id)
    if cmd.search:
        pattern = contains_pattern(cmd.search)
        where.append(func.lower(Conversation.title).like(pattern, escape=LIKE_ESCAPE))
    query = (
        select(Conversation).join(Participant, Participant.conversation_id == Conversation.id).where(*where)
    )
    async with deps.db() as db:
        total = await db.scalar(select(func.count()).select_from(query.subquery())) or 0
        page = list(
            await db.scalars(
                query.order_by(Conversation.updated_at.desc(), Conversation.id.desc())
                .offset(cmd.offset)
                .limit(cmd.limit)
            )
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


@handlers.on(wire.GetUnreadCounts)
async def get_unread_counts(cmd: wire.GetUnreadCounts, actor: Actor, deps: ChatDeps) -> wire.UnreadCounts:
    me = actor.require_user()
    where: list[ColumnElement[bool]] = [Participant.user_id == me, Participant.hidden_at.is_(None)]
    if cmd.kind is not None:
        where.append(Conversation.kind == cmd.kind.value)
    async with deps.db() as db:
        ids = list(
            await db.scalars(
                select(Conversation.id)
                .join(Participant, Participant.conversation_id == Conversation.id)
                .where(*where)
            )
        )
        counts = await unread_counts(db, me, ids)
    by_conversation = {i: counts.get(i, 0) for i in ids}
    return wire.UnreadCounts(by_conversation=by_conversation, total=sum(by_conversation.values()))


@handlers.on(wire.ListContacts)
async def list_contacts(cmd: wire.ListContacts, actor: Actor, deps: ChatDeps) -> wire.Contacts:
    if actor.role is not Role.SYSTEM:
        raise DomainError(ErrorCode.FORBIDDEN, "workers only")
    mine = select(Participant.conversation_id).where(Participant.user_id == cmd.user_id)
    async with deps.db() as db:
        others = await db.scalars(
            select(Participant.user_id)
            .where(Participant.conversation_id.in_(mine), Participant.user_id != cmd.user_id)
            .distinct()
            .order_by(Participant.user_id)
        )
        return wire.Contacts(user_ids=list(others))
