"""Ended sessions, announced to every edge through the `revoked_sessions` KV bucket.

The database is the truth: a nats-server that comes back without its store has forgotten them, and
an edge started after that would take their access tokens until they expire. So after every
reconnection the sessions ended within the bucket's TTL are announced again (putting a key an edge
already has changes nothing for it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nodes.runtime.bus import Bus
from nodes.runtime.settings import AuthSettings
from protocols import subjects
from storage.models.identity import Session


async def announce(bus: Bus, auth: AuthSettings, session_ids: Sequence[str]) -> None:
    """Tell every edge to refuse the access tokens of these sessions from now on."""
    bucket = bus.bucket(subjects.revoked_sessions_bucket(auth.revocation_ttl_s))
    for session_id in session_ids:
        await bucket.put(session_id, b"1")


async def announce_recent(bus: Bus, db: async_sessionmaker[AsyncSession], auth: AuthSettings) -> None:
    """Announce again every session ended within the bucket's TTL (older ones' tokens have expired)."""
    since = datetime.now(UTC) - timedelta(seconds=auth.revocation_ttl_s)
    async with db() as session:
        ended = list(await session.scalars(select(Session.id).where(Session.revoked_at > since)))
    await announce(bus, auth, ended)


def announce_after_reconnecting(bus: Bus, db: async_sessionmaker[AsyncSession], auth: AuthSettings) -> None:
    bus.on_reconnect(lambda: announce_recent(bus, db, auth))
