"""Views of an ad: one per viewer (a user, or a client address) per UTC day, the owner's never. A
signed-in viewer's every view also puts the ad at the top of his browsing history (history.py).

Each view's row is written at once (it decides whether the view counts); the ad's counter is added
to in batches (`counters.ViewCounter`). The reply's `views_count` is what is written plus what this
worker still holds, so it lags only by views other replicas hold unwritten: at most one flush.
"""

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
    counted = False
    async with deps.db() as db:
        row = await queries.listing(db, cmd.ad_id)
        if row is None or row[0].status != wire.AdStatus.ACTIVE:
            raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
        if not (actor.signed_in and row[0].owner_id == actor.user_id):
            now = datetime.now(UTC)
            if actor.signed_in:
                await queries.remember_view(db, actor.user_id, cmd.ad_id, now)
            counted = await queries.add_view(db, cmd.ad_id, cmd.viewer, now.date())
            await db.commit()
    if counted:  # held once its row is committed; written with the worker's next flush
        deps.views.add(cmd.ad_id)
    return wire.ViewRecorded(counted=counted, views_count=await deps.views.total(cmd.ad_id))
