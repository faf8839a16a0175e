"""Moderation of ads (the worker's side only; the moderators' endpoints come later): a pending ad
approved becomes active for a lifetime, or rejected with the reason its owner is shown."""

from __future__ import annotations

from datetime import UTC, datetime

from protocols import market as wire
from protocols.envelope import Actor, DomainError, ErrorCode, Role

from . import queries
from .ads import NOT_FOUND, lifetime
from .dealers import ad_of
from .deps import MarketDeps
from .handlers import handlers
from .references import invalid
from .search import listings_changed

MODERATORS = (Role.MODERATOR, Role.ADMIN, Role.SYSTEM)


@handlers.on(wire.ModerateAd)
async def moderate_ad(cmd: wire.ModerateAd, actor: Actor, deps: MarketDeps) -> wire.Ad:
    if actor.role not in MODERATORS:
        actor.require_user()
        raise DomainError(ErrorCode.FORBIDDEN, "Moderator role required")
    if cmd.decision is wire.ModerationDecision.REJECT and cmd.reason is None:
        raise invalid("reason", "a rejection needs a reason")
    now = datetime.now(UTC)
    async with deps.db() as db:
        row = await queries.listing(db, cmd.ad_id)
        if row is None:
            raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
        if row[0].status != wire.AdStatus.PENDING:
            raise DomainError(
                ErrorCode.CONFLICT, f"Only a pending ad is moderated; this one is {row[0].status}"
            )
        if cmd.decision is wire.ModerationDecision.APPROVE:
            values = {"status": wire.AdStatus.ACTIVE.value, "published_at": now, "expires_at": now + lifetime(deps),
                      "rejection_reason": None}  # fmt: skip
        else:
            values = {"status": wire.AdStatus.REJECTED.value, "rejection_reason": cmd.reason}
        await queries.update_listing(db, cmd.ad_id, values | {"updated_at": now}, {})
        await db.commit()
        await listings_changed(deps)
        row = await queries.listing(db, cmd.ad_id)
        assert row is not None  # just written
        return await ad_of(deps, db, row)
