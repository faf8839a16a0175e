"""The catalog domain's places: countries, their regions and cities. Loaded by migration 0007 from data
packages (countries and regions from countrystatecity-countries, keeping its ids; cities from GeoNames,
keeping their geonameid); admins add and correct places from the console (a new one takes the id after
the largest: there is no sequence)."""

from __future__ import annotations

import math

from sqlalchemy import Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class Country(Base):
    __tablename__ = "catalog_countries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    iso2: Mapped[str] = mapped_column(String(2), unique=True)
    iso3: Mapped[str] = mapped_column(String(3))
    name: Mapped[str] = mapped_column(String(100))
    name_ru: Mapped[str | None] = mapped_column(String(100))
    phone_code: Mapped[str | None] = mapped_column(String(32))
    currency: Mapped[str | None] = mapped_column(String(3))


class Region(Base):
    __tablename__ = "catalog_regions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    country_id: Mapped[int] = mapped_column(ForeignKey("catalog_countries.id"), index=True)
    code: Mapped[str | None] = mapped_column(String(16))  # ISO 3166-2 where known
    name: Mapped[str] = mapped_column(String(200))
    name_native: Mapped[str | None] = mapped_column(String(200))


class City(Base):
    __tablename__ = "catalog_cities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # GeoNames' id
    country_id: Mapped[int] = mapped_column(ForeignKey("catalog_countries.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_regions.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    population: Mapped[int] = mapped_column(Integer)


class CityName(Base):
    """Another name a city goes by, from GeoNames' alternate names: every one in Cyrillic script (how
    the platform's users write Алматы, Караганда, Уральск), and for the cities of its markets (Russia,
    Kazakhstan) the Latin ones too (Alma-Ata, Karaganda). Loaded by migration 0024."""

    __tablename__ = "catalog_city_names"

    city_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_cities.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(200), primary_key=True)


EARTH_RADIUS_KM = 6371.0088  # the mean radius


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two points in degrees (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))
