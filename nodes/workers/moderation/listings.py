"""An ad's moderation: the market approves or rejects it (its `ModerateAd`, which checks the ad and
the decision); once it has, the decision is logged here."""

from __future__ import annotations

from protocols import market
from protocols import moderation as wire
from protocols.envelope import Actor

from . import queries
from .deps import ModerationDeps
from .handlers import handlers
from .staff import require_moderator


@handlers.on(wire.ModerateListing)
async def moderate_listing(cmd: wire.ModerateListing, actor: Actor, deps: ModerationDeps) -> market.Ad:
    moderator_id = require_moderator(actor)
    ad = await deps.bus.request(
        market.ModerateAd(ad_id=cmd.ad_id, decision=cmd.decision, reason=cmd.reason), actor=actor
    )
    approved = cmd.decision is market.ModerationDecision.APPROVE
    action = wire.LogAction.APPROVE_AD if approved else wire.LogAction.REJECT_AD
    details = {"status": ad.status.value} if approved else {"status": ad.status.value, "reason": cmd.reason}
    async with deps.db() as db:
        await queries.log(db, moderator_id, action.value, ("ad", ad.id), details)
        await db.commit()
    return ad
