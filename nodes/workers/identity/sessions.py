"""Sessions: one per signed-in device, each a family of refresh tokens rotated on every use.

A refresh token is 256 random bits, stored only as its sha256. Rotation is a single conditional
UPDATE on the current hash, so of any number of concurrent refreshes with one token at most one
wins. The exchanged hash is kept; presenting it again means the token leaked, and the whole session
ends, unless it comes within `[auth] refresh_reuse_grace_s` of the rotation: then it is one client
renewing twice at once (two edges, two tabs), and it gets the same successor, which the exchanged
token's row keeps sealed with a key derived from that token (stored only as a hash). An ended
session's id is published to every edge, which then refuses its access tokens too;
the database is the outbox of those announcements (see revocations.py), so none is lost to a NATS
outage.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from protocols.envelope import Actor, DomainError, Empty, ErrorCode, Role
from protocols.identity import (
    ClientInfo,
    ListSessions,
    Logout,
    PurgeExpiredSessions,
    Refresh,
    RevokeAllSessions,
    Revoked,
    RevokeSession,
    SessionList,
    SessionsPurged,
    TokenPair,
)
from storage.models.identity import Session, User, new_uuid

from . import queries
from .bans import refuse_banned
from .deps import IdentityDeps
from .handlers import handlers
from .views import session_info

log = logging.getLogger(__name__)

INVALID = "Invalid or expired refresh token"
REFRESH_BYTES = 32
# Phone codes are kept an hour after they are made: the hourly send limit counts them.
PHONE_CODE_RETENTION = timedelta(hours=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _token_text(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def new_refresh_token() -> tuple[str, bytes]:
    """A refresh token and its 32 random bytes (it is their URL-safe base64)."""
    raw = secrets.token_bytes(REFRESH_BYTES)
    return _token_text(raw), raw


def _under_pad(exchanged: str, data: bytes) -> bytes:
    """`data` XORed with a one-time pad that only the exchanged token gives: seals and opens alike."""
    pad = hmac.new(exchanged.encode(), b"souk refresh successor", hashlib.sha256).digest()
    return bytes(a ^ b for a, b in zip(data, pad, strict=True))


def seal_successor(exchanged: str, successor_raw: bytes) -> str:
    return _under_pad(exchanged, successor_raw).hex()


def open_successor(exchanged: str, sealed: str) -> str:
    return _token_text(_under_pad(exchanged, bytes.fromhex(sealed)))


async def start_session(deps: IdentityDeps, db: AsyncSession, user: User, client: ClientInfo) -> TokenPair:
    """Open a session for `user` on `db` (the caller commits) and give its first token pair; every
    sign-in passes here, so a banned account is refused here."""
    now = datetime.now(UTC)
    refuse_banned(user, now)
    refresh, _raw = new_refresh_token()
    session = Session(
        id=new_uuid(), user_id=user.id, refresh_token_hash=token_hash(refresh), device=client.device,
        ip=client.ip, user_agent=client.user_agent, created_at=now, last_used_at=now,
        expires_at=now + timedelta(seconds=deps.settings.auth.refresh_ttl_s),
    )  # fmt: skip
    session.family_id = session.id
    db.add(session)
    user.last_login_at = now
    return _pair(deps, user.id, Role(user.role), session.id, refresh)


def _pair(deps: IdentityDeps, user_id: int, role: Role, session_id: str, refresh: str) -> TokenPair:
    return TokenPair(
        access_token=deps.signer.access_token(user_id, role, session_id),
        refresh_token=refresh,
        expires_in=deps.settings.auth.access_ttl_s,
        session_id=session_id,
    )


async def revoke_user_sessions(db: AsyncSession, user_id: int, *, keep: str | None = None) -> list[str]:
    return await queries.end_sessions(db, queries.sessions_of_user(user_id, besides=keep))


async def announce_revoked(deps: IdentityDeps, session_ids: Sequence[str]) -> None:
    """Tell every edge to refuse the access tokens of these sessions from now on (call it after the
    commit). A NATS failure is not raised: the session is over, and the outbox announces it later."""
    if deps.revocations is not None:
        await deps.revocations.announce(session_ids)


@handlers.on(Refresh)
async def refresh(cmd: Refresh, _actor: Actor, deps: IdentityDeps) -> TokenPair:
    await deps.limits.refresh(cmd.client)
    now = datetime.now(UTC)
    presented = token_hash(cmd.refresh_token)
    fresh, fresh_raw = new_refresh_token()
    async with deps.db() as db:
        # One statement decides (at most one of any concurrent refreshes matches the hash), one
        # records the exchanged hash: the hot path is two round trips to the database.
        rotated = await queries.rotate_refresh(db, presented, token_hash(fresh), cmd.client, now)
        if rotated is None:
            again = await _presented_again(deps, db, cmd.refresh_token, now)
            if isinstance(again, TokenPair):
                return again
            await db.commit()
            await announce_revoked(deps, again)
            raise DomainError(ErrorCode.UNAUTHORIZED, INVALID)
        session_id, user_id, role = rotated
        sealed = seal_successor(cmd.refresh_token, fresh_raw)
        await queries.record_rotated(db, presented, session_id, now, sealed)
        await db.commit()
    return _pair(deps, user_id, Role(role), session_id, fresh)


async def _presented_again(
    deps: IdentityDeps, db: AsyncSession, refresh_token: str, now: datetime
) -> TokenPair | list[str]:
    """A token that no live session holds: unknown (no session ended), exchanged within the grace
    for a successor that its session still holds (that successor again), or else leaked: whoever
    holds it is not the session's owner, or both are (the ended session)."""
    exchanged = await queries.rotated(db, token_hash(refresh_token))
    if exchanged is None:
        return []
    grace = timedelta(seconds=deps.settings.auth.refresh_reuse_grace_s)
    if exchanged.successor is not None and now - exchanged.rotated_at <= grace:
        successor = open_successor(refresh_token, exchanged.successor)
        holder = await queries.session_holding(db, exchanged.session_id, token_hash(successor), now)
        if holder is not None:
            session_id, user_id, role = holder
            return _pair(deps, user_id, Role(role), session_id, successor)
    log.warning("rotated refresh token presented again; ending session %s", exchanged.session_id)
    return await queries.end_sessions(db, queries.session_by_id(exchanged.session_id))


@handlers.on(Logout)
async def logout(cmd: Logout, actor: Actor, deps: IdentityDeps) -> Empty:
    """Idempotent: an unknown or already ended token is simply no longer valid.

    A session that had already ended is announced again: a client retries a logout whose answer it
    did not get, and the edges may not have heard of the end yet.
    """
    if cmd.refresh_token:
        which = queries.session_by_refresh(token_hash(cmd.refresh_token))
    elif actor.signed_in and actor.session_id:
        which = queries.session_of_user(actor.session_id, actor.user_id)
    else:
        raise DomainError(ErrorCode.UNAUTHORIZED, "Not authenticated")
    async with deps.db() as db:
        ended = await queries.end_sessions(db, which)
        if not ended:
            ended = await queries.ended_sessions(db, which)
        await db.commit()
    await announce_revoked(deps, ended)
    return Empty()


@handlers.on(ListSessions)
async def list_sessions(_cmd: ListSessions, actor: Actor, deps: IdentityDeps) -> SessionList:
    user_id = actor.require_user()
    async with deps.db() as db:
        rows = await queries.live_sessions(db, user_id, datetime.now(UTC))
        items = [session_info(s, current=s.id == actor.session_id) for s in rows]
    return SessionList(items=items)


@handlers.on(RevokeSession)
async def revoke_session(cmd: RevokeSession, actor: Actor, deps: IdentityDeps) -> Empty:
    user_id = actor.require_user()
    async with deps.db() as db:
        # Another user's session is answered exactly like a missing one.
        ended = await queries.end_sessions(db, queries.session_of_user(cmd.session_id, user_id))
        if not ended:
            raise DomainError(ErrorCode.NOT_FOUND, "Session not found")
        await db.commit()
    await announce_revoked(deps, ended)
    return Empty()


@handlers.on(RevokeAllSessions)
async def revoke_all_sessions(cmd: RevokeAllSessions, actor: Actor, deps: IdentityDeps) -> Revoked:
    user_id = actor.require_user()
    async with deps.db() as db:
        ended = await revoke_user_sessions(db, user_id, keep=actor.session_id if cmd.keep_current else None)
        await db.commit()
    await announce_revoked(deps, ended)
    return Revoked(revoked_count=len(ended))


@handlers.on(PurgeExpiredSessions)
async def purge_expired(_cmd: PurgeExpiredSessions, actor: Actor, deps: IdentityDeps) -> SessionsPurged:
    """Expired sessions (their rotated tokens go with them), spent codes and links.

    Revoked sessions stay until they expire: a reused refresh token must still be recognised.
    """
    if actor.role is not Role.SYSTEM:
        raise DomainError(ErrorCode.FORBIDDEN, "scheduled work only")
    async with deps.db() as db:
        deleted = await queries.purge_expired(db, datetime.now(UTC), PHONE_CODE_RETENTION)
        await db.commit()
    return SessionsPurged(deleted=deleted)
