"""The catalog domain's tables: categories and the vehicle references. The catalog worker is their only
writer; the references are loaded by a migration from storage/reference/vehicles.json, their ids
assigned in the file's order."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class Category(Base):
    __tablename__ = "catalog_categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_categories.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    meta_title: Mapped[str | None] = mapped_column(String(200))
    meta_description: Mapped[str | None] = mapped_column(String(500))
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class _Named:
    """A plain reference list's columns: a slug, a Russian name and an English one."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))


class VehicleType(_Named, Base):
    __tablename__ = "catalog_vehicle_types"


class BodyType(_Named, Base):
    __tablename__ = "catalog_body_types"


class Transmission(_Named, Base):
    __tablename__ = "catalog_transmissions"


class FuelType(_Named, Base):
    __tablename__ = "catalog_fuel_types"


class DriveType(_Named, Base):
    __tablename__ = "catalog_drive_types"


class Color(_Named, Base):
    __tablename__ = "catalog_colors"

    hex: Mapped[str] = mapped_column(String(7))


class Brand(Base):
    __tablename__ = "catalog_brands"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    country: Mapped[str | None] = mapped_column(String(64))
    is_popular: Mapped[bool] = mapped_column(Boolean, default=False)


class BrandVehicleType(Base):
    """A brand makes vehicles of a type (the types of its models)."""

    __tablename__ = "catalog_brand_vehicle_types"

    brand_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_brands.id", ondelete="CASCADE"), primary_key=True
    )
    vehicle_type_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_vehicle_types.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class VehicleModel(Base):
    __tablename__ = "catalog_models"
    __table_args__ = (UniqueConstraint("brand_id", "slug", name="uq_catalog_models_brand_id_slug"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("catalog_brands.id", ondelete="CASCADE"))
    vehicle_type_id: Mapped[int] = mapped_column(ForeignKey("catalog_vehicle_types.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    slug: Mapped[str] = mapped_column(String(100))
    year_from: Mapped[int | None] = mapped_column(SmallInteger)
    year_to: Mapped[int | None] = mapped_column(SmallInteger)


class Generation(Base):
    __tablename__ = "catalog_generations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("catalog_models.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    year_from: Mapped[int | None] = mapped_column(SmallInteger)
    year_to: Mapped[int | None] = mapped_column(SmallInteger)


class Modification(Base):
    __tablename__ = "catalog_modifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    generation_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_generations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    year_from: Mapped[int | None] = mapped_column(SmallInteger)
    year_to: Mapped[int | None] = mapped_column(SmallInteger)
    body_type_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_body_types.id"))
    fuel_type_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_fuel_types.id"))
    engine_volume_l: Mapped[float | None] = mapped_column(Float)
    power_hp: Mapped[int | None] = mapped_column(SmallInteger)
    transmission_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_transmissions.id"))
    drive_type_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_drive_types.id"))
    seats: Mapped[int | None] = mapped_column(SmallInteger)
    price_new_rub: Mapped[int | None] = mapped_column(BigInteger)
