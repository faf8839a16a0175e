"""Expiry (scheduled): active ads past their `expires_at` become `expired`, one bounded batch per
command, and their owners are told through the notify domain.

Each ad is expired once and its owner told once, however many workers run at once: the expiry and
the queueing of its notice are one transaction (`queries.expire_due`), and a notice leaves the queue
only once notify has answered for it. Until then it is sent again by every run (a worker died while
sending, notify did not answer), and notify gives the owner the notification of its key
(`dedupe_key`) once: at least once on the wire, once to the owner, nothing lost. A notice notify
refuses for good (its owner is gone) is dropped with a warning.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from nodes.runtime.bus import Bus
from nodes.runtime.notices import tell
from protocols import market as wire
from protocols import notify, subjects
from protocols.envelope import Actor, DomainError, ErrorCode, Role

from . import queries
from .deps import MarketDeps
from .handlers import handlers
from .search import listings_changed

log = logging.getLogger(__name__)

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
    settled, notified = await send_notices(deps, batch)
    return wire.AdsExpired(expired=len(expired), notified=notified, more=batch in (len(expired), settled))


async def send_notices(deps: MarketDeps, most: int) -> tuple[int, int]:
    """Sends up to `most` queued notices; how many left the queue, and how many of those went out (the
    rest were refused for good). A notice that notify did not answer for stays for a later run."""
    if not await notify_answers(deps.bus):
        return 0, 0  # left queued for a later run
    async with deps.read_db() as db:
        notices = await queries.queued_notices(db, most)
    told = await tell(
        deps.bus,
        [(notice, notice_of(notice.expired)) for notice in notices],
        lambda n: f"owner {n.expired.owner_id} of expired ad {n.expired.listing_id}",
    )
    async with deps.db() as db:
        await queries.drop_notices(db, [notice.id for notice in told.done])
        await db.commit()
    return len(told.done), told.sent


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
        dedupe_key=f"{wire.AD_EXPIRED}:{expired.listing_id}:{expired.expired_at.isoformat()}",
    )
