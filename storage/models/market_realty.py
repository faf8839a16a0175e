"""The market's realty vertical (Realty): each property's attributes beside its row in
`market_listings` (kind `property`, keyed by the listing's id), and its files. The market worker is
their only writer.

A property's title, description, owner, status, currency and place (`city_id`, its region and
country) are the listing's; its price is here as given (a float) and on the listing rounded to whole
units (for ordering). Its `category_id` is the catalog category `realty`, which migration 0026 seeds
inactive (as barter's): MillionAvto's category lists never show it, and MillionAvto's ad reads join
the vehicle attributes, which a property has none of."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

REALTY_CATEGORY_SLUG = "realty"  # the catalog category every property is filed under


class PropertyAttributes(Base):
    __tablename__ = "market_property_attributes"
    __table_args__ = (
        # A search narrows on the city (the listings' index) and on these, a request's usual criteria
        # in the order it gives them: a bitmap of each, combined.
        Index(
            "ix_market_property_attributes_deal_format_type_rooms_count",
            "deal_format",
            "type",
            "rooms_count",
            "total_area",
        ),
        Index("ix_market_property_attributes_district_key", "district_key"),
    )

    listing_id: Mapped[int] = mapped_column(
        ForeignKey("market_listings.id", ondelete="CASCADE"), primary_key=True
    )
    deal_format: Mapped[str] = mapped_column(String(16))
    type: Mapped[str] = mapped_column(String(16))
    subtype: Mapped[str | None] = mapped_column(String(16))
    condition: Mapped[str | None] = mapped_column(String(16))
    purpose: Mapped[str | None] = mapped_column(String(16))
    entry_year: Mapped[int | None] = mapped_column(SmallInteger)
    entry_quarter: Mapped[int | None] = mapped_column(SmallInteger)
    location: Mapped[str] = mapped_column(String(300))
    city: Mapped[str | None] = mapped_column(String(200))  # as given, or as the address names it
    district: Mapped[str | None] = mapped_column(String(100))  # the listed name, else as given
    district_key: Mapped[str | None] = mapped_column(String(100))  # storage.reference.districts.match_key
    city_source: Mapped[str] = mapped_column(String(8))  # protocols.market_realty.PlaceSource
    district_source: Mapped[str] = mapped_column(String(8))
    price: Mapped[float] = mapped_column(Float)
    rooms: Mapped[int | None] = mapped_column(SmallInteger)
    rooms_count: Mapped[int | None] = mapped_column(SmallInteger)  # what a search compares: 0 for a studio
    floor: Mapped[int | None] = mapped_column(SmallInteger)
    total_area: Mapped[float | None] = mapped_column(Float)
    living_area: Mapped[float | None] = mapped_column(Float)
    ceiling_height: Mapped[float | None] = mapped_column(Float)
    bedrooms: Mapped[int | None] = mapped_column(SmallInteger)
    bathrooms: Mapped[int | None] = mapped_column(SmallInteger)
    building_floors: Mapped[int | None] = mapped_column(SmallInteger)
    building_living_area: Mapped[float | None] = mapped_column(Float)
    apartments: Mapped[int | None] = mapped_column(Integer)
    lifts_per_entrance: Mapped[int | None] = mapped_column(Integer)
    territory_area: Mapped[float | None] = mapped_column(Float)
    commission_amount: Mapped[float | None] = mapped_column(Float)
    # The document's comma lists and short texts, as written.
    features: Mapped[str | None] = mapped_column(Text)
    equipment: Mapped[str | None] = mapped_column(Text)
    building_features: Mapped[str | None] = mapped_column(Text)
    building_name: Mapped[str | None] = mapped_column(Text)
    developer: Mapped[str | None] = mapped_column(Text)
    materials: Mapped[str | None] = mapped_column(Text)
    territory_features: Mapped[str | None] = mapped_column(Text)
    nearby_places: Mapped[str | None] = mapped_column(Text)
    views: Mapped[str | None] = mapped_column(Text)
    video_title: Mapped[str | None] = mapped_column(Text)
    video_url: Mapped[str | None] = mapped_column(Text)
    services: Mapped[str | None] = mapped_column(Text)
    commission_type: Mapped[str | None] = mapped_column(Text)
    documents: Mapped[str | None] = mapped_column(Text)


class PropertyFile(Base):
    """A property's image, layout or PDF document: where the media store keeps it (an image's
    thumbnail too). Written to the store by the edge that took the upload; the rows by the market."""

    __tablename__ = "market_property_files"
    __table_args__ = (
        Index("ix_market_property_files_listing_id_slot_position", "listing_id", "slot", "position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("market_listings.id", ondelete="CASCADE"))
    slot: Mapped[str] = mapped_column(String(16))  # protocols.market_realty.PropertySlot
    position: Mapped[int] = mapped_column(SmallInteger)
    key: Mapped[str] = mapped_column(String(200))
    thumbnail_key: Mapped[str | None] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(String(255))  # a document's file name as uploaded
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
