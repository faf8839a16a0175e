"""The catalog tables' SQL. Each function runs on the caller's session; the caller commits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.catalog import (
    BodyType,
    Brand,
    BrandVehicleType,
    Category,
    Color,
    DriveType,
    FuelType,
    Generation,
    Modification,
    Transmission,
    VehicleModel,
    VehicleType,
)
from storage.models.places import City, CityName, Country, Region

NamedTable = type[VehicleType] | type[BodyType] | type[Transmission] | type[FuelType] | type[DriveType]

# --- categories ------------------------------------------------------------------------------------


async def all_categories(db: AsyncSession) -> Sequence[Category]:
    """Every category, each level's siblings in their order."""
    return (await db.scalars(select(Category).order_by(Category.position, Category.id))).all()


async def category(db: AsyncSession, category_id: int) -> Category | None:
    return await db.get(Category, category_id)


async def category_parents(db: AsyncSession) -> dict[int, int | None]:
    """Each category's parent, for finding a loop before a move makes one."""
    return {row.id: row.parent_id for row in await db.execute(select(Category.id, Category.parent_id))}


async def slug_taken(db: AsyncSession, slug: str, but: int | None = None) -> bool:
    where = [Category.slug == slug] if but is None else [Category.slug == slug, Category.id != but]
    return bool(await db.scalar(select(exists().where(*where))))


async def has_children(db: AsyncSession, category_id: int) -> bool:
    return bool(await db.scalar(select(exists().where(Category.parent_id == category_id))))


async def insert_category(db: AsyncSession, values: dict[str, Any]) -> Category:
    row = Category(**values)
    db.add(row)
    await db.flush()
    return row


async def update_category(db: AsyncSession, category_id: int, values: dict[str, Any]) -> Category | None:
    await db.execute(update(Category).where(Category.id == category_id).values(**values))
    return await db.scalar(
        select(Category).where(Category.id == category_id).execution_options(populate_existing=True)
    )


async def delete_category(db: AsyncSession, category_id: int) -> bool:
    deleted = await db.execute(delete(Category).where(Category.id == category_id).returning(Category.id))
    return deleted.first() is not None


# --- vehicle references (read only) ----------------------------------------------------------------


async def named(db: AsyncSession, table: NamedTable) -> Sequence[Any]:
    return (await db.scalars(select(table).order_by(table.id))).all()


async def colors(db: AsyncSession) -> Sequence[Color]:
    return (await db.scalars(select(Color).order_by(Color.id))).all()


# In the data file's order (its ids): brands and each brand's models by name, the same on either database
# (whose collations would sort names differently).


async def brands(db: AsyncSession) -> Sequence[Brand]:
    return (await db.scalars(select(Brand).order_by(Brand.id))).all()


async def brand_vehicle_types(db: AsyncSession) -> dict[int, list[int]]:
    pairs = await db.execute(
        select(BrandVehicleType.brand_id, BrandVehicleType.vehicle_type_id).order_by(
            BrandVehicleType.brand_id, BrandVehicleType.vehicle_type_id
        )
    )
    types: dict[int, list[int]] = {}
    for brand_id, type_id in pairs:
        types.setdefault(brand_id, []).append(type_id)
    return types


async def models(db: AsyncSession) -> Sequence[VehicleModel]:
    return (await db.scalars(select(VehicleModel).order_by(VehicleModel.id))).all()


async def generations(db: AsyncSession) -> Sequence[Generation]:
    return (await db.scalars(select(Generation).order_by(Generation.id))).all()


async def modifications(db: AsyncSession) -> Sequence[Modification]:
    return (await db.scalars(select(Modification).order_by(Modification.id))).all()


# --- places (read only) ----------------------------------------------------------------------------


# Plain rows, not ORM objects: the snapshot reads every place once, and 13,000 instances took a third
# of its load.


async def countries(db: AsyncSession) -> Sequence[Row[Any]]:
    return (await db.execute(select(*Country.__table__.c).order_by(Country.id))).all()


async def regions(db: AsyncSession) -> Sequence[Row[Any]]:
    return (await db.execute(select(*Region.__table__.c).order_by(Region.id))).all()


async def cities(db: AsyncSession) -> Sequence[Row[Any]]:
    return (await db.execute(select(*City.__table__.c).order_by(City.id))).all()


async def city_names(db: AsyncSession) -> Sequence[tuple[int, str]]:
    rows = await db.execute(select(CityName.city_id, CityName.name).order_by(CityName.city_id, CityName.name))
    return [(city_id, name) for city_id, name in rows]
