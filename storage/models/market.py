"""The market domain's tables: one listing model (`market_listings`, what every vertical shares) and a
typed table per vertical's searchable attributes (`market_vehicle_attributes`), each column that a
search filters or sorts on indexed. The market worker is their only writer.

Text search is each database's own, made by migrations beside these models (`SearchDocument`): on
PostgreSQL a stored generated column of the listings, their text vector, with a GIN index (0019); on
SQLite the FTS5 table `market_listings_fts` (external content: the listings' title and description),
kept in step by triggers (0010)."""

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
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class SearchDocument:
    """Where each database keeps the listings' words. 'simple': words lower-cased, not stemmed, as
    SQLite's FTS5 `unicode61` does, so a search finds the same ads on either database, in Russian and
    English alike."""

    CONFIG = "simple"
    VECTOR = "market_listings.search_vector"  # PostgreSQL: computed by the database, never mapped
    FTS_TABLE = "market_listings_fts"  # SQLite


class Listing(Base):
    __tablename__ = "market_listings"
    __table_args__ = (
        # The public lists: active ads of a kind, newest first or by price (then by id, as the search
        # orders them, so that a page is read off the index), in a category or a city.
        Index("ix_market_listings_status_kind_created_at_id", "status", "kind", "created_at", "id"),
        Index("ix_market_listings_status_kind_price_id", "status", "kind", "price", "id"),
        Index("ix_market_listings_category_id_status", "category_id", "status"),
        Index("ix_market_listings_city_id_status", "city_id", "status"),
        Index("ix_market_listings_region_id_status", "region_id", "status"),
        Index("ix_market_listings_country_id_status", "country_id", "status"),
        Index("ix_market_listings_owner_id_status", "owner_id", "status"),
        # A radius is a box on both: a database combines the two ranges (PostgreSQL's bitmaps), or
        # takes the narrower one; one index alone scans a whole band of the globe (the 55th
        # parallel runs through Moscow, Kazan, Chelyabinsk, Omsk and Novosibirsk).
        Index("ix_market_listings_latitude_longitude", "latitude", "longitude"),
        Index("ix_market_listings_longitude_latitude", "longitude", "latitude"),
        Index("ix_market_listings_status_expires_at", "status", "expires_at"),
        # Realty's catch-up pages the properties by their last write (migration 0026).
        Index("ix_market_listings_property_updated_at_id", "updated_at", "id",
              postgresql_where=text("kind = 'property'"), sqlite_where=text("kind = 'property'")),
    )  # fmt: skip

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
    images_count: Mapped[int] = mapped_column(Integer, default=0)  # its `market_listing_media` images
    rejection_reason: Mapped[str | None] = mapped_column(String(500))


class VehicleAttributes(Base):
    """A vehicle listing's searchable attributes, one row per vehicle listing."""

    __tablename__ = "market_vehicle_attributes"
    __table_args__ = (
        # The search's orders by year and mileage (then by listing, as it orders them), read off the
        # index. Descending with the unknown last is PostgreSQL's own index (migration 0013): a
        # backward scan of the ascending one puts them first; SQLite's planner does without it.
        Index("ix_market_vehicle_attributes_year_listing_id", "year", "listing_id"),
        Index("ix_market_vehicle_attributes_mileage_listing_id", "mileage", "listing_id"),
        Index("ix_market_vehicle_attributes_year_desc_listing_id", text("year DESC NULLS LAST"),
              text("listing_id DESC")),
        Index("ix_market_vehicle_attributes_mileage_desc_listing_id", text("mileage DESC NULLS LAST"),
              text("listing_id DESC")),
    )  # fmt: skip

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
    year: Mapped[int | None] = mapped_column(SmallInteger)
    mileage: Mapped[int | None] = mapped_column(Integer)
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


class ListingMedia(Base):
    """A listing's image or video: where the media store keeps it (`key`; an image's thumbnail too)
    and what it is. The files are written by the edge that took the upload; the rows by the market
    worker, which deletes the files when it deletes their listing."""

    __tablename__ = "market_listing_media"
    __table_args__ = (
        Index("ix_market_listing_media_listing_id_kind_position", "listing_id", "kind", "position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("market_listings.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))  # image | video
    key: Mapped[str] = mapped_column(String(200))
    thumbnail_key: Mapped[str | None] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)  # bytes
    width: Mapped[int | None] = mapped_column(Integer)  # an image's, in pixels
    height: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)  # among the listing's media of its kind, from 0
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SavedAd(Base):
    """An ad in one of a user's lists (`favorites`, `comparison`), once per list. A comparison entry
    holds one of the user's `slot`s, 0 up to the configured maximum: the unique slot is what keeps two
    adds at once from overfilling it. A favourite has none (NULLs never clash)."""

    __tablename__ = "market_saved_ads"
    __table_args__ = (
        UniqueConstraint("user_id", "list_name", "slot", name="uq_market_saved_ads_user_id_list_name_slot"),
        Index("ix_market_saved_ads_user_id_list_name_added_at", "user_id", "list_name", "added_at"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    list_name: Mapped[str] = mapped_column(String(16), primary_key=True)
    listing_id: Mapped[int] = mapped_column(
        ForeignKey("market_listings.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    slot: Mapped[int | None] = mapped_column(SmallInteger)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class ViewedAd(Base):
    """A user's browsing history: one row per ad he viewed, with the last time he did."""

    __tablename__ = "market_view_history"
    __table_args__ = (Index("ix_market_view_history_user_id_viewed_at", "user_id", "viewed_at"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    listing_id: Mapped[int] = mapped_column(
        ForeignKey("market_listings.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    viewed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExpiryNotice(Base):
    """An owner still to be told that his ad expired: written in the transaction that expires the ad,
    deleted by the worker that claims it to send the notification (so it is sent once)."""

    __tablename__ = "market_expiry_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("market_listings.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))  # as it was when the ad expired
    expired_at: Mapped[datetime] = mapped_column()
