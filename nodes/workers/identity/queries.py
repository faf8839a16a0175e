"""The identity tables' SQL: accounts, sessions and their rotated tokens, phone codes, mailed links and
signing keys. Each function runs on the caller's session; the caller commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from nodes.workers.counting import epoch_seconds, per_bucket
from protocols.counts import Buckets, Window
from protocols.identity import ClientInfo, CodePurpose, ListUsers, LoginKind, UserSort
from storage.models.identity import (
    DealerProfile,
    EmailLink,
    PhoneCode,
    RotatedRefreshToken,
    Session,
    SigningKey,
    User,
)
from storage.search import LIKE_ESCAPE, contains_pattern

# Accounts

# The column each way of signing in names an account by.
ACCOUNT_KEYS = {
    LoginKind.EMAIL: User.email_normalized, LoginKind.PHONE: User.phone, LoginKind.USERNAME: User.username_normalized,
}  # fmt: skip
SEARCHED = (User.email_normalized, User.username_normalized, User.full_name, User.first_name, User.last_name,
            User.phone)  # fmt: skip


async def active_user(db: AsyncSession, kind: LoginKind, key: str) -> User | None:
    """The active account whose canonical email, phone or username (as `kind` says) is `key`."""
    return await db.scalar(select(User).where(ACCOUNT_KEYS[kind] == key, User.is_active.is_(True)))


async def active_user_by_id(db: AsyncSession, user_id: int) -> User | None:
    return await db.scalar(select(User).where(User.id == user_id, User.is_active.is_(True)))


async def active_user_by_public_id(db: AsyncSession, public_id: str) -> User | None:
    return await db.scalar(select(User).where(User.public_id == public_id, User.is_active.is_(True)))


async def referred_by(db: AsyncSession, referrer_id: int, limit: int) -> list[User]:
    """The accounts registered with this account's referral code, newest first."""
    query = select(User).where(User.referred_by_id == referrer_id)
    return list(await db.scalars(query.order_by(User.created_at.desc(), User.id.desc()).limit(limit)))


async def user_by_phone(db: AsyncSession, phone: str) -> User | None:
    return await db.scalar(select(User).where(User.phone == phone))


async def taken_identifier(db: AsyncSession, user: User, *, besides: int | None = None) -> str | None:
    """The first of `user`'s identifiers that an account other than `besides` holds: "email",
    "phone" or "username"; None when all are free."""
    clashes: list[tuple[str, ColumnElement[bool]]] = []
    if user.email_normalized:
        clashes.append(("email", User.email_normalized == user.email_normalized))
    if user.phone:
        clashes.append(("phone", User.phone == user.phone))
    if user.username_normalized:
        clashes.append(("username", User.username_normalized == user.username_normalized))
    for field, clause in clashes:
        query = select(User.id).where(clause)
        if besides is not None:
            query = query.where(User.id != besides)
        if await db.scalar(query.limit(1)) is not None:
            return field
    return None


async def referrer_id(db: AsyncSession, referral_code: str) -> int | None:
    return await db.scalar(select(User.id).where(User.referral_code == referral_code))


# The name an account is sorted by: its full name, else what else names it.
SORT_NAME = func.lower(func.coalesce(User.full_name, User.first_name, User.username, User.email, User.phone))
USER_ORDER = {
    UserSort.CREATED_ASC: (User.id.asc(),),
    UserSort.CREATED_DESC: (User.id.desc(),),
    UserSort.NAME_ASC: (SORT_NAME.asc().nulls_last(), User.id.asc()),
    UserSort.NAME_DESC: (SORT_NAME.desc().nulls_last(), User.id.desc()),
    UserSort.SEEN_DESC: (User.last_login_at.desc().nulls_last(), User.id.desc()),
    UserSort.SEEN_ASC: (User.last_login_at.asc().nulls_last(), User.id.asc()),
}
# A deleted account keeps its row, inactive and with every identifier erased: no listing shows it.
NOT_DELETED = or_(
    User.email_normalized.is_not(None), User.phone.is_not(None), User.username_normalized.is_not(None)
)


async def users_page(db: AsyncSession, cmd: ListUsers) -> tuple[list[User], int]:
    """A page of accounts (deleted ones never), active or not as `cmd.active` says, of `cmd.role` if
    given, matching `cmd.search` anywhere in their identifiers or names; and how many match in all."""
    where: list[ColumnElement[bool]] = [NOT_DELETED]
    if cmd.active is not None:
        where.append(User.is_active.is_(cmd.active))
    if cmd.role is not None:
        where.append(User.role == cmd.role.value)
    if cmd.search:
        pattern = contains_pattern(cmd.search)
        where.append(or_(*(func.lower(column).like(pattern, escape=LIKE_ESCAPE) for column in SEARCHED)))
    total = await db.scalar(select(func.count()).select_from(User).where(*where)) or 0
    query = select(User).where(*where).order_by(*USER_ORDER[cmd.sort_by])
    return list(await db.scalars(query.offset(cmd.offset).limit(cmd.limit))), total


async def account_by_id(db: AsyncSession, user_id: int) -> User | None:
    """An account, active or not; a deleted one is None."""
    return await db.scalar(select(User).where(User.id == user_id, NOT_DELETED))


# Mailed links


async def drop_links(db: AsyncSession, user_id: int, *, unused_only: bool = False) -> None:
    where = [EmailLink.user_id == user_id]
    if unused_only:
        where.append(EmailLink.used_at.is_(None))
    await db.execute(delete(EmailLink).where(*where))


def _live_link(token_hash: str, purpose: str, now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (
        EmailLink.token_hash == token_hash, EmailLink.purpose == purpose,
        EmailLink.used_at.is_(None), EmailLink.expires_at > now,
    )  # fmt: skip


async def live_link(db: AsyncSession, token_hash: str, purpose: str, now: datetime) -> EmailLink | None:
    return await db.scalar(select(EmailLink).where(*_live_link(token_hash, purpose, now)))


async def is_live_link(db: AsyncSession, token_hash: str, purpose: str, now: datetime) -> bool:
    found = await db.scalar(select(EmailLink.token_hash).where(*_live_link(token_hash, purpose, now)))
    return found is not None


async def use_link(db: AsyncSession, token_hash: str, now: datetime) -> bool:
    """Whether this call used the link up: of two concurrent uses, the conditional update lets one win."""
    used = await db.execute(
        update(EmailLink)
        .where(EmailLink.token_hash == token_hash, EmailLink.used_at.is_(None))
        .values(used_at=now)
    )
    return getattr(used, "rowcount", 0) == 1


async def use_up_links(db: AsyncSession, user_id: int, purpose: str, now: datetime) -> None:
    """Every outstanding link of the user's for `purpose` counts as used from `now`."""
    await db.execute(
        update(EmailLink)
        .where(EmailLink.user_id == user_id, EmailLink.purpose == purpose, EmailLink.used_at.is_(None))
        .values(used_at=now)
    )


# Phone codes


async def codes_sent_since(db: AsyncSession, phone: str, since: datetime) -> tuple[int, datetime | None]:
    """How many codes were made for `phone` after `since`, and when the oldest of them was."""
    count, oldest = (
        await db.execute(
            select(func.count(), func.min(PhoneCode.created_at)).where(
                PhoneCode.phone == phone, PhoneCode.created_at > since
            )
        )
    ).one()
    return count, oldest


async def newest_live_code(
    db: AsyncSession, phone: str, purposes: tuple[CodePurpose, ...], now: datetime
) -> PhoneCode | None:
    return await db.scalar(
        select(PhoneCode)
        .where(PhoneCode.phone == phone, PhoneCode.purpose.in_([p.value for p in purposes]),
               PhoneCode.used_at.is_(None), PhoneCode.expires_at > now)
        .order_by(PhoneCode.created_at.desc(), PhoneCode.id.desc())
        .limit(1)
    )  # fmt: skip


async def count_wrong_guess(db: AsyncSession, code_id: int) -> None:
    # Counted in the database, not from the row read before: concurrent guesses each count.
    await db.execute(update(PhoneCode).where(PhoneCode.id == code_id).values(attempts=PhoneCode.attempts + 1))


async def use_code(
    db: AsyncSession, code: PhoneCode, now: datetime, max_attempts: int, then: CodePurpose | None = None
) -> bool:
    """Whether this call used `code`: it must still be unused, of its purpose and under `max_attempts`.

    With `then` the code is not spent but changes purpose (an activation code becomes a sign-in code);
    its purpose is in the condition, so two concurrent activations cannot both pass it on.
    """
    spend = {"used_at": now} if then is None else {"purpose": then.value}
    used = await db.execute(
        update(PhoneCode)
        .where(PhoneCode.id == code.id, PhoneCode.used_at.is_(None), PhoneCode.attempts < max_attempts,
               PhoneCode.purpose == code.purpose)
        .values(**spend)
    )  # fmt: skip
    return getattr(used, "rowcount", 0) == 1


# Sessions

SessionFilter = tuple[ColumnElement[bool], ...]  # which sessions a statement is about


def _live_session(now: datetime) -> SessionFilter:
    return Session.revoked_at.is_(None), Session.expires_at > now


def session_by_id(session_id: str) -> SessionFilter:
    return (Session.id == session_id,)


def session_of_user(session_id: str, user_id: int) -> SessionFilter:
    return Session.id == session_id, Session.user_id == user_id


def session_by_refresh(token_hash: str) -> SessionFilter:
    return (Session.refresh_token_hash == token_hash,)


def sessions_of_user(user_id: int, *, besides: str | None = None) -> SessionFilter:
    return (Session.user_id == user_id,) + ((Session.id != besides,) if besides is not None else ())


async def end_sessions(db: AsyncSession, which: SessionFilter) -> list[str]:
    """End the live sessions `which` names; returns their ids (to announce after the commit)."""
    now = datetime.now(UTC)
    ids = list(await db.scalars(select(Session.id).where(*which, *_live_session(now))))
    if ids:
        # The refresh token's hash stays: a logout retried with it finds the session to announce
        # again, and a refresh with it still fails (the session is no longer live).
        await db.execute(update(Session).where(Session.id.in_(ids)).values(revoked_at=now, announced_at=None))
    return ids


async def ended_sessions(db: AsyncSession, which: SessionFilter) -> list[str]:
    """The sessions `which` names that had ended already."""
    return list(await db.scalars(select(Session.id).where(*which, Session.revoked_at.is_not(None))))


async def live_sessions(db: AsyncSession, user_id: int, now: datetime) -> list[Session]:
    """The user's live sessions, the most recently used first."""
    rows = await db.scalars(
        select(Session)
        .where(Session.user_id == user_id, *_live_session(now))
        .order_by(Session.last_used_at.desc())
    )
    return list(rows)


async def rotate_refresh(
    db: AsyncSession, presented: str, fresh: str, client: ClientInfo, now: datetime
) -> tuple[str, int, str] | None:
    """Move the live session of an active account whose refresh token hash is `presented` on to the
    hash `fresh`; its id, its user's id and role, or None when no session matched.

    One conditional UPDATE decides: of any number of concurrent refreshes with one token, at most one
    matches the hash."""
    seen_from = {"last_used_at": now, "ip": client.ip or Session.ip}
    if client.user_agent:
        seen_from["user_agent"] = client.user_agent
    owner_role = select(User.role).where(User.id == Session.user_id).scalar_subquery()
    rotate = (
        update(Session)
        .where(Session.refresh_token_hash == presented, *_live_session(now))
        .where(Session.user_id.in_(select(User.id).where(User.is_active.is_(True), *_not_banned(now))))
        .values(refresh_token_hash=fresh, **seen_from)
        .returning(Session.id, Session.user_id, owner_role)
        .execution_options(synchronize_session=False)  # no Session objects are loaded here
    )
    rotated = (await db.execute(rotate)).one_or_none()
    return None if rotated is None else rotated.tuple()


def _not_banned(now: datetime) -> SessionFilter:
    return (or_(User.banned_until.is_(None), User.banned_until <= now),)


async def record_rotated(
    db: AsyncSession, token_hash: str, session_id: str, now: datetime, successor: str
) -> None:
    """Keep an exchanged refresh token's hash, and its sealed successor for the reuse grace:
    presented again later, it gives the session away as leaked."""
    await db.execute(
        insert(RotatedRefreshToken).values(
            token_hash=token_hash, session_id=session_id, rotated_at=now, successor=successor
        )
    )


async def rotated(db: AsyncSession, token_hash: str) -> RotatedRefreshToken | None:
    found = await db.execute(select(RotatedRefreshToken).where(RotatedRefreshToken.token_hash == token_hash))
    return found.scalar_one_or_none()


async def session_holding(
    db: AsyncSession, session_id: str, refresh_hash: str, now: datetime
) -> tuple[str, int, str] | None:
    """The live session `session_id` of an active, unbanned account if its refresh token's hash is
    still `refresh_hash`: its id, its user's id and role."""
    found = await db.execute(
        select(Session.id, Session.user_id, User.role)
        .join(User, User.id == Session.user_id)
        .where(Session.id == session_id, Session.refresh_token_hash == refresh_hash, *_live_session(now))
        .where(User.is_active.is_(True), *_not_banned(now))
    )
    row = found.one_or_none()
    return None if row is None else row.tuple()


async def purge_expired(db: AsyncSession, now: datetime, code_retention: timedelta) -> int:
    """Delete expired sessions, codes older than `code_retention` and expired links; how many sessions."""
    # Their rotated tokens go by ON DELETE CASCADE.
    purged = await db.execute(delete(Session).where(Session.expires_at < now))
    await db.execute(delete(PhoneCode).where(PhoneCode.created_at < now - code_retention,
                                             PhoneCode.expires_at < now))  # fmt: skip
    await db.execute(delete(EmailLink).where(EmailLink.expires_at < now))
    return int(getattr(purged, "rowcount", 0) or 0)


async def sessions_ended_since(db: AsyncSession, since: datetime, *, unannounced_only: bool) -> list[str]:
    query = select(Session.id).where(Session.revoked_at > since)
    if unannounced_only:
        query = query.where(Session.announced_at.is_(None))
    return list(await db.scalars(query))


async def mark_announced(db: AsyncSession, session_ids: Sequence[str], now: datetime) -> None:
    await db.execute(
        update(Session)
        .where(Session.id.in_(session_ids), Session.announced_at.is_(None))
        .values(announced_at=now)
    )


# Bans


async def count_banned(db: AsyncSession, now: datetime) -> int:
    return await db.scalar(select(func.count()).select_from(User).where(User.banned_until > now)) or 0


async def lift_ban(db: AsyncSession, user_id: int, now: datetime) -> bool:
    """End the user's ban in force now; whether he had one."""
    lifted = await db.execute(
        update(User)
        .where(User.id == user_id, User.banned_until > now)
        .values(banned_until=None, ban_reason=None)
    )
    return getattr(lifted, "rowcount", 0) == 1


async def lift_bans_ended(db: AsyncSession, now: datetime, most: int) -> int:
    """Clear up to `most` bans that ended by `now`; how many."""
    ended = select(User.id).where(User.banned_until <= now).limit(most)
    ids = list(await db.scalars(ended))
    if ids:
        # Conditional again: a ban given anew since the read above is not lifted.
        await db.execute(
            update(User)
            .where(User.id.in_(ids), User.banned_until <= now)
            .values(banned_until=None, ban_reason=None)
        )
    return len(ids)


# Signing keys


async def live_signing_keys(db: AsyncSession) -> list[SigningKey]:
    """Keys not retired, the newest first."""
    rows = await db.scalars(
        select(SigningKey).where(SigningKey.retired_at.is_(None)).order_by(SigningKey.created_at.desc())
    )
    return list(rows)


# Dealers' company profiles


async def dealer_profiles(db: AsyncSession, user_ids: Sequence[int]) -> list[DealerProfile]:
    rows = await db.scalars(
        select(DealerProfile)
        .where(DealerProfile.user_id.in_(user_ids))
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def put_dealer_profile(db: AsyncSession, user_id: int, values: dict[str, object]) -> None:
    """Writes the dealer's profile whole, whether or not he had one (one statement: two first writes
    at once cannot clash)."""
    upsert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = upsert(DealerProfile).values(user_id=user_id, **values)
    await db.execute(statement.on_conflict_do_update(index_elements=[DealerProfile.user_id], set_=values))


async def signups(db: AsyncSession, window: Window) -> Buckets:
    """Accounts created in each bucket of `window`."""
    created = User.created_at
    in_window = (created >= window.start, created < window.end)
    return await per_bucket(db, epoch_seconds(db, created), window, *in_window)
