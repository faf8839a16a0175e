"""The market domain's tables: one listing model (`market_listings`, what every vertical shares) and a
typed table per vertical's searchable attributes (`market_vehicle_attributes`), each column that a
search filters or sorts on indexed. The market worker is their only writer.

Text search is each database's own, made by migration 0010 beside these models: on PostgreSQL a GIN
index over `SearchDocument.TSVECTOR`; on SQLite the FTS5 table `market_listings_fts` (external
content: the listings' title and description), kept in sync by triggers."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class SearchDocument:
    """The SQL both the text index and a search spell the same way (PostgreSQL uses the index only for
    the very expression it was built on). 'simple': words lower-cased, not stemmed, as SQLite's FTS5
    `unicode61` does, so a search finds the same ads on either database, in Russian and English alike."""

    CONFIG = "simple"
    # As PostgreSQL itself prints the index's expression, so that the migration test compares it equal.
    TSVECTOR = (
        "to_tsvector('simple'::regconfig, (title::text || ' '::text) || COALESCE(description, ''::text))"
    )
    FTS_TABLE = "market_listings_fts"


class Listing(Base):
    __tablename__ = "market_listings"
    __table_args__ = (
        # The public lists: active ads of a kind, newest first or by price, in a category or a city.
        Index("ix_market_listings_status_kind_created_at", "status", "kind", "created_at"),
        Index("ix_market_listings_status_kind_price", "status", "kind", "price"),
        Index("ix_market_listings_category_id_status", "category_id", "status"),
        Index("ix_market_listings_city_id_status", "city_id", "status"),
        Index("ix_market_listings_region_id_status", "region_id", "status"),
        Index("ix_market_listings_country_id_status", "country_id", "status"),
        Index("ix_market_listings_owner_id_status", "owner_id", "status"),
        Index("ix_market_listings_latitude_longitude", "latitude", "longitude"),
        Index("ix_market_listings_status_expires_at", "status", "expires_at"),
        # PostgreSQL's only (migration 0010); SQLite's text index is its FTS5 table.
        Index("ix_market_listings_text", text(SearchDocument.TSVECTOR), postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    # A category in use cannot be deleted (the catalog answers a conflict).
    category_id: Mapped[int] = mapped_column(ForeignKey("catalog_categories.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    price: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))
    city_id: Mapped[int | None] = mapped_column(Integer)
    # The city's region and country, copied when the ad is written: a search never asks the catalog.
    region_id: Mapped[int | None] = mapped_column(Integer)
    country_id: Mapped[int | None] = mapped_column(Integer)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column()
    expires_at: Mapped[datetime | None] = mapped_column()
    views_count: Mapped[int] = mapped_column(Integer, default=0)
    images_count: Mapped[int] = mapped_column(Integer, default=0)  # 0 until image uploads come
    rejection_reason: Mapped[str | None] = mapped_column(String(500))


class VehicleAttributes(Base):
    """A vehicle listing's searchable attributes, one row per vehicle listing."""

    __tablename__ = "market_vehicle_attributes"

    listing_id: Mapped[int] = mapped_column(
        ForeignKey("market_listings.id", ondelete="CASCADE"), primary_key=True
    )
    vehicle_type_id: Mapped[int | None] = mapped_column(Integer, index=True)
    brand_id: Mapped[int | None] = mapped_column(Integer, index=True)
    model_id: Mapped[int | None] = mapped_column(Integer, index=True)
    generation_id: Mapped[int | None] = mapped_column(Integer, index=True)
    modification_id: Mapped[int | None] = mapped_column(Integer, index=True)
    body_type_id: Mapped[int | None] = mapped_column(Integer, index=True)
    transmission_id: Mapped[int | None] = mapped_column(Integer, index=True)
    fuel_type_id: Mapped[int | None] = mapped_column(Integer, index=True)
    drive_type_id: Mapped[int | None] = mapped_column(Integer, index=True)
    color_id: Mapped[int | None] = mapped_column(Integer, index=True)
    year: Mapped[int | None] = mapped_column(SmallInteger, index=True)
    mileage: Mapped[int | None] = mapped_column(Integer, index=True)
    engine_volume: Mapped[float | None] = mapped_column(Float, index=True)
    engine_power: Mapped[int | None] = mapped_column(SmallInteger, index=True)
    condition: Mapped[str | None] = mapped_column(String(8), index=True)
    vin: Mapped[str | None] = mapped_column(String(17))
    is_dealer: Mapped[bool] = mapped_column(Boolean, default=False, index=True)


class ListingView(Base):
    """Who viewed a listing on which (UTC) day: a view counts once per viewer per day."""

    __tablename__ = "market_listing_views"

    listing_id: Mapped[int] = mapped_column(
        ForeignKey("market_listings.id", ondelete="CASCADE"), primary_key=True
    )
    viewer: Mapped[str] = mapped_column(String(80), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)


class ExpiryNotice(Base):
    """An owner still to be told that his ad expired: written in the transaction that expires the ad,
    deleted by the worker that claims it to send the notification (so it is sent once)."""

    __tablename__ = "market_expiry_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("market_listings.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))  # as it was when the ad expired
    expired_at: Mapped[datetime] = mapped_column()
