"""The realty domain's tables: Realty's buyers' requests and their matches with the market's properties.
The realty worker is their only writer.

Words are stored as protocols.market_realty's enum values. `district_key` is the district compared
(storage.reference.districts.match_key, as the market compares a property's), `district` as the buyer wrote it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

OPEN = "open"  # protocols.realty.RequestStatus.OPEN


class BuyerRequest(Base):
    __tablename__ = "realty_requests"
    __table_args__ = (
        # Matching a published property: the open requests of its city, deal format and type, the rest
        # of the criteria checked on those rows (storage/migrations/versions/0027_realty.py says why).
        Index(
            "ix_realty_requests_open_match",
            "city_id",
            "deal_format",
            "type",
            postgresql_where=text(f"status = '{OPEN}'"),
            sqlite_where=text(f"status = '{OPEN}'"),
        ),
        Index("ix_realty_requests_owner_id_id", "owner_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default=OPEN)
    city: Mapped[str] = mapped_column(String(200))
    city_id: Mapped[int | None] = mapped_column(Integer)
    district: Mapped[str | None] = mapped_column(String(100))
    district_key: Mapped[str | None] = mapped_column(String(100))
    deal_format: Mapped[str] = mapped_column(String(16))
    type: Mapped[str] = mapped_column(String(16))
    subtype: Mapped[str | None] = mapped_column(String(16))
    condition: Mapped[str | None] = mapped_column(String(16))
    construction_year: Mapped[int | None] = mapped_column(SmallInteger)
    construction_quarter: Mapped[int | None] = mapped_column(SmallInteger)
    total_rooms: Mapped[str | None] = mapped_column(String(64))
    rooms_min: Mapped[int | None] = mapped_column(SmallInteger)
    rooms_max: Mapped[int | None] = mapped_column(SmallInteger)
    total_area_min: Mapped[float | None] = mapped_column(Float)
    total_area_max: Mapped[float | None] = mapped_column(Float)
    budget_min: Mapped[float | None] = mapped_column(Float)
    budget_max: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3))
    purchase_purpose: Mapped[str | None] = mapped_column(String(16))
    urgency: Mapped[str | None] = mapped_column(Text)
    purchase_method: Mapped[str | None] = mapped_column(Text)
    mortgage_approved: Mapped[bool | None] = mapped_column(Boolean)
    wishes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column()


class RequestMatch(Base):
    """A property that matches a request, and whether its buyer and the property's owner were told: the
    outbox of the match notices (a `told_at` is set once notify answered, or when nobody is to be told)."""

    __tablename__ = "realty_matches"
    __table_args__ = (
        Index("ix_realty_matches_property_id", "property_id"),
        Index(
            "ix_realty_matches_untold",
            "created_at",
            postgresql_where=text("buyer_told_at IS NULL OR owner_told_at IS NULL"),
            sqlite_where=text("buyer_told_at IS NULL OR owner_told_at IS NULL"),
        ),
    )

    request_id: Mapped[int] = mapped_column(
        ForeignKey("realty_requests.id", ondelete="CASCADE"), primary_key=True
    )
    property_id: Mapped[int] = mapped_column(
        ForeignKey("market_listings.id", ondelete="CASCADE"), primary_key=True
    )
    buyer_id: Mapped[int] = mapped_column(Integer)  # the request's owner
    owner_id: Mapped[int] = mapped_column(Integer)  # the property's
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    buyer_told_at: Mapped[datetime | None] = mapped_column()
    owner_told_at: Mapped[datetime | None] = mapped_column()


class CatchUpMark(Base):
    """How far the realty worker's catch-up has matched the market's properties: the last write
    (`updated_at`, the market's) and the id of the last property matched, one row per `name`."""

    __tablename__ = "realty_catch_up"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    updated_at: Mapped[datetime] = mapped_column()
    property_id: Mapped[int] = mapped_column(Integer)
