"""Views of an ad: one per viewer (a user, or a client address) per UTC day, the owner's never. A
signed-in viewer's every view also puts the ad at the top of his browsing history (history.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from protocols import market as wire
from protocols.envelope import Actor, DomainError, ErrorCode

from . import queries
from .ads import NOT_FOUND
from .deps import MarketDeps
from .handlers import handlers


@handlers.on(wire.RecordView)
async def record_view(cmd: wire.RecordView, actor: Actor, deps: MarketDeps) -> wire.ViewRecorded:
    async with deps.db() as db:
        row = await queries.listing(db, cmd.ad_id)
        if row is None or row[0].status != wire.AdStatus.ACTIVE:
            raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
        if actor.signed_in and row[0].owner_id == actor.user_id:
            return wire.ViewRecorded(counted=False, views_count=row[0].views_count)
        now = datetime.now(UTC)
        if actor.signed_in:
            await queries.remember_view(db, actor.user_id, cmd.ad_id, now)
        counted = await queries.add_view(db, cmd.ad_id, cmd.viewer, now.date())
        await db.commit()
        return wire.ViewRecorded(counted=counted, views_count=await queries.views_count(db, cmd.ad_id))
