"""The catch-up: `PropertyPublished` is a plain event, so a property written while no realty worker ran
(a deploy, a crash) would never meet the open requests. The worker pages the market's active properties
by their last write (`PublishedSince`, the cursor (updated_at, id)) after a watermark kept in
`realty_catch_up`, and matches each as `property_published` does (idempotent: stale matches dropped,
new ones stored, only new ones told).

Each page's matches and the watermark it reached are one transaction. The watermark stored is never
later than SKEW before the page was asked for: a write stamped by a market worker whose clock lags, or
committed after a later one was read, is still found by the next round; matching a few seconds' worth
twice changes nothing.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError

from protocols.envelope import Actor, DomainError, ErrorCode, Role
from protocols.market_realty import PublishedSince
from protocols.realty import CatchUpProperties, PropertiesCaughtUp

from . import queries
from .deps import RealtyDeps
from .handlers import handlers
from .matching import store_property_matches
from .notices import tell_pending

log = logging.getLogger(__name__)

MARK = "properties"  # the watermark's row in realty_catch_up
SKEW = timedelta(seconds=5)  # clock skew and commit delay between the market's writers
PAGE = 100  # properties matched in one transaction
PAGES = 10  # pages one CatchUpProperties matches; a fuller backlog answers `more`
ROUNDS_AT_START = 100  # rounds a starting worker runs before it leaves the rest to the scheduler

Cursor = tuple[datetime, int]  # (updated_at, property id)


@handlers.on(CatchUpProperties)
async def catch_up_properties(_cmd: CatchUpProperties, actor: Actor, deps: RealtyDeps) -> PropertiesCaughtUp:
    if actor.role is not Role.SYSTEM:
        raise DomainError(ErrorCode.FORBIDDEN, "workers only")
    return await catch_up_round(deps)


async def catch_up_round(deps: RealtyDeps) -> PropertiesCaughtUp:
    """Matches up to PAGES pages after the watermark, then tells of the new matches."""
    async with deps.read_db() as db:
        cursor: Cursor | None = await queries.watermark(db, MARK)
    matched = new = 0
    more = False
    for _ in range(PAGES):
        asked_at = datetime.now(UTC)
        after, after_id = cursor if cursor is not None else (None, None)
        page = await deps.bus.request(
            PublishedSince(after=after, after_id=after_id or None, limit=PAGE), actor=Actor.system()
        )
        if not page.items:
            break
        cursor = (page.items[-1].updated_at, page.items[-1].property_id)
        async with deps.db() as db:
            for event in page.items:
                new += await store_property_matches(db, deps, event, asked_at)
            await queries.advance_watermark(db, MARK, *min(cursor, (asked_at - SKEW, 0)))
            await db.commit()
        matched += len(page.items)
        more = len(page.items) == PAGE
        if not more:
            break
    if new:
        log.info("caught up %d properties: %d new matches", matched, new)
        await tell_pending(deps)
    return PropertiesCaughtUp(matched=matched, new=new, more=more)


async def catch_up(deps: RealtyDeps) -> None:
    """Round after round until the market has no more (a worker that starts); a market not answering
    leaves it to the scheduler's next `CatchUpProperties`."""
    try:
        for _ in range(ROUNDS_AT_START):
            if not (await catch_up_round(deps)).more:
                return
    except DomainError as exc:
        log.warning("the catch-up waits for the scheduler: %s", exc.message)
    except SQLAlchemyError as exc:  # the database not migrated yet (a Procfile starts all at once)
        log.warning("the catch-up waits for the scheduler: %r", exc)
