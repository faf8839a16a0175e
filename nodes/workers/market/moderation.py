"""Moderation of ads (the worker's side only): a pending ad approved becomes active for a lifetime, or
rejected with the reason its owner is shown; and the ads in one status, whoever owns them, for the
moderators' queue."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func

from protocols import market as wire
from protocols.envelope import Actor, DomainError, ErrorCode, Role
from storage.models.market import Listing
from storage.search import LIKE_ESCAPE, contains_pattern

from . import queries
from .ads import NOT_FOUND, lifetime
from .dealers import ad_of, ads_of
from .deps import MarketDeps
from .handlers import handlers
from .references import invalid
from .search import SORTS, listings_changed

MODERATORS = (Role.MODERATOR, Role.ADMIN, Role.SYSTEM)


def require_moderator(actor: Actor) -> None:
    if actor.role not in MODERATORS:
        actor.require_user()
        raise DomainError(ErrorCode.FORBIDDEN, "Moderator role required")


@handlers.on(wire.ListAdsForReview)
async def list_ads_for_review(cmd: wire.ListAdsForReview, actor: Actor, deps: MarketDeps) -> wire.AdPage:
    require_moderator(actor)
    where = [Listing.status == cmd.status.value]
    if cmd.owner_id is not None:
        where.append(Listing.owner_id == cmd.owner_id)
    if cmd.q and cmd.q.strip():
        where.append(func.lower(Listing.title).like(contains_pattern(cmd.q.strip()), escape=LIKE_ESCAPE))
    async with deps.read_db() as db:
        rows, total = await queries.page(db, where, SORTS[cmd.sort_by].by, cmd.offset, cmd.limit)
        return wire.AdPage(items=await ads_of(deps, db, rows), total=total)


@handlers.on(wire.ModerateAd)
async def moderate_ad(cmd: wire.ModerateAd, actor: Actor, deps: MarketDeps) -> wire.Ad:
    require_moderator(actor)
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
