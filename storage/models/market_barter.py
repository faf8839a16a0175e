"""The market's barter vertical (FreeMarket): barter lists, and each barter item's attributes beside its
row in `market_listings` (kind `barter`, one row here per such listing, keyed by the listing's id). The
market worker is their only writer.

A barter listing's `category_id` is the catalog category `barter` that migration 0023 seeds inactive:
the catalog lists only active categories to MillionAvto's clients, so it never shows there, and the
foreign key holds (an admin sees it among the inactive ones; a category in use cannot be deleted). The
FreeMarket category is the slug here, in the category system's current version
(storage/reference/barter_categories). MillionAvto's ad reads join the vehicle attributes, which a
barter listing has none of, so no ad endpoint ever returns one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

BARTER_CATEGORY_SLUG = "barter"  # the catalog category every barter listing is filed under


class BarterList(Base):
    """What the contract calls a listing: a user's set of wants and offers, made in one go and grown or
    shrunk later."""

    __tablename__ = "market_barter_lists"
    __table_args__ = (Index("ix_market_barter_lists_owner_id_id", "owner_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class BarterItemAttributes(Base):
    """A barter listing's own attributes. Its name, value (tenge), status, owner and place are the
    listing's."""

    __tablename__ = "market_barter_items"
    # No index on the side: a list of wants or offers walks the listings' own order index (status,
    # kind, then created_at or price) and finds each one's row here by its key. An index on (side,
    # listing_id) tempted PostgreSQL, with no statistics yet on a new table, into a nested loop that
    # compared every listing with every want (360 ms for 2,000 items, against 5 ms).

    listing_id: Mapped[int] = mapped_column(
        ForeignKey("market_listings.id", ondelete="CASCADE"), primary_key=True
    )
    list_id: Mapped[int] = mapped_column(ForeignKey("market_barter_lists.id", ondelete="CASCADE"), index=True)
    side: Mapped[str] = mapped_column(String(8))  # WANT | OFFER
    exchange_type: Mapped[str] = mapped_column(String(16))  # PERMANENT | TEMPORARY
    category: Mapped[str | None] = mapped_column(String(64))  # a slug of the category system
    duration_days: Mapped[int | None] = mapped_column(SmallInteger)  # a TEMPORARY item's
    city: Mapped[str | None] = mapped_column(String(100))  # the owner's city as he named it, when written
    # The exchange whose completion archived the item: archiving it again for the same one is a repeat.
    archived_for: Mapped[str | None] = mapped_column(String(120))
