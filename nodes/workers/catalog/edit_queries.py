"""The SQL of the admins' writes to the vehicle references and places, and of the pages the console
browses them in. Each function runs on the caller's session; the caller commits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, delete, exists, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.base import Base
from storage.models.catalog import Brand, BrandVehicleType, VehicleModel
from storage.models.places import City, Country, Region

Row = TypeVar("Row", bound=Base)


async def found(db: AsyncSession, table: type[Base], row_id: int) -> bool:
    return await db.get(table, row_id) is not None


async def taken(
    db: AsyncSession, table: type[Row], where: Sequence[ColumnElement[bool]], but: int | None
) -> bool:
    """Whether a row of `table` other than `but` matches `where` (a slug or a code taken already)."""
    if but is not None:
        where = [*where, table.id != but]  # type: ignore[attr-defined]
    return bool(await db.scalar(select(exists().where(*where))))


async def save(db: AsyncSession, table: type[Row], row_id: int | None, values: dict[str, Any]) -> Row | None:
    """A new row of `values` (`row_id` None), or the row `row_id` set to them; None if it is not there.
    Places keep the data packages' ids and have no sequence: a new one takes the next after the
    largest (two admins adding at once: one insert fails on the key, as a `conflict`)."""
    if row_id is None:
        if table in (Country, Region, City):
            values = {**values, "id": (await db.scalar(select(func.max(table.id))) or 0) + 1}  # type: ignore[attr-defined]
        row = table(**values)
        db.add(row)
    else:
        existing = await db.get(table, row_id)
        if existing is None:
            return None
        row = existing
        for name, value in values.items():
            setattr(row, name, value)
    await db.flush()
    return row


async def sync_brand_types(db: AsyncSession, brand_ids: set[int]) -> None:
    """A brand makes vehicles of its models' types: its rows set again from them."""
    await db.execute(delete(BrandVehicleType).where(BrandVehicleType.brand_id.in_(brand_ids)))
    made = (
        select(VehicleModel.brand_id, VehicleModel.vehicle_type_id)
        .where(VehicleModel.brand_id.in_(brand_ids))
        .distinct()
    )
    await db.execute(insert(BrandVehicleType).from_select(["brand_id", "vehicle_type_id"], made))


async def brand_types(db: AsyncSession, brand_ids: Sequence[int]) -> dict[int, list[int]]:
    pairs = await db.execute(
        select(BrandVehicleType.brand_id, BrandVehicleType.vehicle_type_id)
        .where(BrandVehicleType.brand_id.in_(brand_ids))
        .order_by(BrandVehicleType.brand_id, BrandVehicleType.vehicle_type_id)
    )
    types: dict[int, list[int]] = {}
    for brand_id, type_id in pairs:
        types.setdefault(brand_id, []).append(type_id)
    return types


# --- the console's pages ---------------------------------------------------------------------------


async def paged(db: AsyncSession, query: Select[Row], offset: int, limit: int) -> tuple[Sequence[Row], int]:
    """One page of `query`'s rows (ordered already) and how many there are in all."""
    total = await db.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = (await db.scalars(query.offset(offset).limit(limit))).all()
    return rows, total or 0


def holding(q: str, *columns: Any) -> list[ColumnElement[bool]]:
    """Rows one of whose `columns` holds `q` (ASCII case aside on SQLite, any on PostgreSQL)."""
    return [or_(*(column.icontains(q, autoescape=True) for column in columns))] if q else []


def brands(q: str) -> Select[Brand]:
    return select(Brand).where(*holding(q, Brand.name, Brand.slug)).order_by(Brand.name, Brand.id)


def countries(q: str) -> Select[Country]:
    where = holding(q, Country.name, Country.name_ru, Country.iso2, Country.iso3)
    return select(Country).where(*where).order_by(Country.name, Country.id)


def regions(country_id: int, q: str) -> Select[Region]:
    where = [Region.country_id == country_id, *holding(q, Region.name, Region.name_native, Region.code)]
    return select(Region).where(*where).order_by(Region.name, Region.id)


def cities(region_id: int, q: str) -> Select[City]:
    where = [City.region_id == region_id, *holding(q, City.name)]
    return select(City).where(*where).order_by(City.population.desc(), City.id)
