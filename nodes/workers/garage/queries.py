"""The vehicles table's SQL. Each function runs on the caller's session; the caller commits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.garage import Vehicle


async def owned_vehicle(db: AsyncSession, owner_id: int, vehicle_id: str) -> Vehicle | None:
    """The member's vehicle; None when there is none of that id, or it is someone else's."""
    query = select(Vehicle).where(Vehicle.id == vehicle_id, Vehicle.owner_id == owner_id)
    return await db.scalar(query.execution_options(populate_existing=True))


async def owners_of(db: AsyncSession, vehicle_ids: Sequence[str]) -> list[tuple[str, int]]:
    """(vehicle, owner) of those of `vehicle_ids` that are there."""
    rows = await db.execute(select(Vehicle.id, Vehicle.owner_id).where(Vehicle.id.in_(vehicle_ids)))
    return [(vehicle_id, owner_id) for vehicle_id, owner_id in rows]


async def vehicles_of(db: AsyncSession, owner_id: int) -> list[Vehicle]:
    query = select(Vehicle).where(Vehicle.owner_id == owner_id).order_by(Vehicle.created_at, Vehicle.id)
    return list(await db.scalars(query))


async def count_of(db: AsyncSession, owner_id: int) -> int:
    return await db.scalar(select(func.count()).where(Vehicle.owner_id == owner_id)) or 0


async def vin_taken(db: AsyncSession, owner_id: int, vin: str, besides: str | None = None) -> bool:
    """Whether the member has another vehicle (than `besides`) with this VIN."""
    query = select(Vehicle.id).where(Vehicle.owner_id == owner_id, Vehicle.vin == vin)
    if besides is not None:
        query = query.where(Vehicle.id != besides)
    return await db.scalar(query.limit(1)) is not None


async def dongle_holder(db: AsyncSession, dongle_id: str) -> Vehicle | None:
    return await db.scalar(select(Vehicle).where(Vehicle.dongle_id == dongle_id))


async def insert_vehicle(db: AsyncSession, values: dict[str, Any]) -> None:
    await db.execute(insert(Vehicle).values(**values))


async def update_vehicle(db: AsyncSession, owner_id: int, vehicle_id: str, values: dict[str, Any]) -> bool:
    """Whether the member's vehicle was there to be updated."""
    mine = (Vehicle.id == vehicle_id, Vehicle.owner_id == owner_id)
    result = await db.execute(update(Vehicle).where(*mine).values(**values))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def unlink_dongle_of_owner(db: AsyncSession, owner_id: int, dongle_id: str) -> None:
    """The dongle leaves whichever of the member's vehicles it is on."""
    mine = (Vehicle.owner_id == owner_id, Vehicle.dongle_id == dongle_id)
    await db.execute(update(Vehicle).where(*mine).values(dongle_id=None, dongle_connection_type=None))


async def delete_vehicle(db: AsyncSession, owner_id: int, vehicle_id: str) -> bool:
    mine = (Vehicle.id == vehicle_id, Vehicle.owner_id == owner_id)
    result = await db.execute(delete(Vehicle).where(*mine))
    return bool(result.rowcount)  # type: ignore[attr-defined]
