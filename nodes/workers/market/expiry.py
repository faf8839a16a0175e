"""Expiry (scheduled): active ads past their `expires_at` become `expired`, one bounded batch per
command, and their owners are told through the notify domain.

Each ad is expired once and its owner told once, however many workers run at once: the expiry and
the queueing of its notice are one transaction (`queries.expire_due`), and a notice is taken out of
the queue (`queries.claim_notices`, committed) before it is sent. Notices wait in the queue while no
notify worker answers, and go out with a later run. What can still be lost, never sent twice: a
notice claimed by a worker that dies before sending it, or one whose request to notify fails.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from nodes.runtime.bus import Bus
from protocols import market as wire
from protocols import notify, subjects
from protocols.envelope import Actor, DomainError, ErrorCode, Role

from . import queries
from .deps import MarketDeps
from .handlers import handlers
from .search import listings_changed

log = logging.getLogger(__name__)

SENT_AT_ONCE = 32  # notify requests in flight together
NOTIFY_PING_S = 1.0


@handlers.on(wire.ExpireAds)
async def expire_ads(_cmd: wire.ExpireAds, actor: Actor, deps: MarketDeps) -> wire.AdsExpired:
    if actor.role is not Role.SYSTEM:
        raise DomainError(ErrorCode.FORBIDDEN, "scheduled work: the system only")
    batch = deps.settings.market.expiry_batch
    async with deps.db() as db:
        expired = await queries.expire_due(
            db, datetime.now(UTC), wire.AdStatus.ACTIVE.value, wire.AdStatus.EXPIRED.value, batch
        )
        await db.commit()
    if expired:
        log.info("expired %d ads", len(expired))
        await listings_changed(deps)
    claimed, notified = await send_notices(deps, batch)
    return wire.AdsExpired(expired=len(expired), notified=notified, more=batch in (len(expired), claimed))


async def send_notices(deps: MarketDeps, most: int) -> tuple[int, int]:
    """Sends up to `most` queued notices; how many were taken from the queue, and how many went out."""
    if not await notify_answers(deps.bus):
        return 0, 0  # left queued for a later run
    async with deps.db() as db:
        notices = await queries.claim_notices(db, most)
        await db.commit()
    sent = 0
    for start in range(0, len(notices), SENT_AT_ONCE):
        results = await asyncio.gather(
            *(
                deps.bus.request(notice_of(n), actor=Actor.system())
                for n in notices[start : start + SENT_AT_ONCE]
            ),
            return_exceptions=True,
        )
        for notice, result in zip(notices[start : start + SENT_AT_ONCE], results, strict=True):
            if isinstance(result, BaseException):
                log.warning(
                    "owner %d not told that ad %d expired: %r", notice.owner_id, notice.listing_id, result
                )
            else:
                sent += 1
    return len(notices), sent


async def notify_answers(bus: Bus) -> bool:
    try:
        await bus.request_raw(subjects.ping(notify.DOMAIN), b"", timeout=NOTIFY_PING_S, wait_for_worker=False)
    except DomainError:
        log.warning("no notify worker answers: expiry notices wait for a later run")
        return False
    return True


def notice_of(expired: queries.Expired) -> notify.Notify:
    return notify.Notify(
        user_ids=[expired.owner_id],
        type=wire.AD_EXPIRED,
        title="Your ad has expired",
        message=f"«{expired.title}» is no longer shown. Renew it to publish it again.",
        payload={"ad_id": expired.listing_id, "expired_at": expired.expired_at.isoformat()},
    )
