"""The SQL of `hidden`: the listings' core table only, so it works alike for every vertical."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from protocols.market import AdStatus
from storage.models.market import Listing

# A hidden listing is a rejected one: every list, page and search leaves those out.
HIDDEN = AdStatus.REJECTED.value


async def listings(db: AsyncSession, ids: Sequence[int]) -> Sequence[Listing]:
    return (await db.scalars(select(Listing).where(Listing.id.in_(ids)))).all()


async def hide(db: AsyncSession, listing_id: int, reason: str | None) -> bool:
    """Whether the listing was visible and is hidden now."""
    hidden = await db.execute(
        update(Listing)
        .where(Listing.id == listing_id, Listing.status != HIDDEN)
        .values(status=HIDDEN, rejection_reason=reason, updated_at=datetime.now(UTC))
    )
    return bool(getattr(hidden, "rowcount", 0))


async def count_hidden(db: AsyncSession) -> int:
    return await db.scalar(select(func.count()).select_from(Listing).where(Listing.status == HIDDEN)) or 0
