"""The garage tables' SQL: vehicles, then the service side (locations, appointments and the bays they
hold, memberships, offers, referral credits). Each function runs on the caller's session; the caller
commits."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from protocols.garage_service import AppointmentStatus
from storage.models.garage import Vehicle
from storage.models.garage_service import (
    Appointment,
    BayClaim,
    Membership,
    Offer,
    OfferLocation,
    ReferralCredit,
    ServiceLocation,
)

BOOKED = AppointmentStatus.BOOKED.value
T = TypeVar("T")


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


# --- locations -------------------------------------------------------------------------------------


def every_location() -> Select[ServiceLocation]:
    return select(ServiceLocation).order_by(ServiceLocation.name, ServiceLocation.id)


async def locations(db: AsyncSession, *, include_inactive: bool) -> list[ServiceLocation]:
    query = every_location()
    if not include_inactive:
        query = query.where(ServiceLocation.active.is_(True))
    return list(await db.scalars(query))


async def location(db: AsyncSession, location_id: str) -> ServiceLocation | None:
    query = select(ServiceLocation).where(ServiceLocation.id == location_id)
    return await db.scalar(query.execution_options(populate_existing=True))


async def known_locations(db: AsyncSession, location_ids: Iterable[str]) -> set[str]:
    query = select(ServiceLocation.id).where(ServiceLocation.id.in_(list(location_ids)))
    return set(await db.scalars(query))


async def insert_location(db: AsyncSession, values: dict[str, Any]) -> None:
    await db.execute(insert(ServiceLocation).values(**values))


async def update_location(db: AsyncSession, location_id: str, values: dict[str, Any]) -> bool:
    result = await db.execute(
        update(ServiceLocation).where(ServiceLocation.id == location_id).values(**values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


# --- bays ------------------------------------------------------------------------------------------


async def held_per_slot(
    db: AsyncSession, location_id: str, start: datetime, end: datetime
) -> dict[datetime, int]:
    """How many bays are held at each slot starting in [start, end)."""
    query = (
        select(BayClaim.starts_at, func.count())
        .where(BayClaim.location_id == location_id, BayClaim.starts_at >= start, BayClaim.starts_at < end)
        .group_by(BayClaim.starts_at)
    )
    return {starts_at: count for starts_at, count in (await db.execute(query)).tuples()}


async def held_bays(db: AsyncSession, location_id: str, starts: Sequence[datetime]) -> set[int]:
    """The bays held at any of these slots."""
    query = select(BayClaim.bay).where(BayClaim.location_id == location_id, BayClaim.starts_at.in_(starts))
    return set(await db.scalars(query.distinct()))


async def hold(
    db: AsyncSession, location_id: str, starts: Sequence[datetime], bay: int, appointment_id: str
) -> None:
    """The bay at each slot, for the appointment: fails (IntegrityError) where another holds one."""
    rows = [
        {"location_id": location_id, "starts_at": s, "bay": bay, "appointment_id": appointment_id}
        for s in starts
    ]
    await db.execute(insert(BayClaim), rows)


async def release(db: AsyncSession, appointment_id: str) -> None:
    await db.execute(delete(BayClaim).where(BayClaim.appointment_id == appointment_id))


# --- appointments ----------------------------------------------------------------------------------


async def insert_appointment(db: AsyncSession, values: dict[str, Any]) -> None:
    await db.execute(insert(Appointment).values(**values))


async def appointment(
    db: AsyncSession, appointment_id: str, owner_id: int | None = None
) -> Appointment | None:
    """The appointment; with `owner_id`, only when it is that member's."""
    query = select(Appointment).where(Appointment.id == appointment_id)
    if owner_id is not None:
        query = query.where(Appointment.owner_id == owner_id)
    return await db.scalar(query.execution_options(populate_existing=True))


async def vehicle_booked(db: AsyncSession, vehicle_id: str, start: datetime, end: datetime) -> bool:
    """Whether the vehicle has a booked appointment overlapping [start, end)."""
    query = select(Appointment.id).where(
        Appointment.vehicle_id == vehicle_id, Appointment.status == BOOKED,
        Appointment.start_at < end, Appointment.end_at > start,
    )  # fmt: skip
    return await db.scalar(query.limit(1)) is not None


async def upcoming(db: AsyncSession, owner_id: int, now: datetime, limit: int) -> list[Appointment]:
    query = select(Appointment).where(
        Appointment.owner_id == owner_id, Appointment.status == BOOKED, Appointment.end_at > now
    )
    return list(await db.scalars(query.order_by(Appointment.start_at, Appointment.id).limit(limit)))


async def at_location(
    db: AsyncSession, location_id: str, start: datetime, end: datetime
) -> list[Appointment]:
    """The location's appointments starting in [start, end), whatever their status."""
    query = select(Appointment).where(
        Appointment.location_id == location_id, Appointment.start_at >= start, Appointment.start_at < end
    )
    return list(await db.scalars(query.order_by(Appointment.start_at, Appointment.id)))


async def change_status(db: AsyncSession, appointment_id: str, was: str, becomes: str, now: datetime) -> bool:
    """Whether this request moved it from `was`: of two at once, one does (the row's lock decides)."""
    result = await db.execute(
        update(Appointment)
        .where(Appointment.id == appointment_id, Appointment.status == was)
        .values(status=becomes, updated_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def due_reminders(db: AsyncSession, now: datetime, until: datetime, limit: int) -> list[Appointment]:
    """Booked appointments starting in (now, until] whose members were not told yet, soonest first."""
    query = select(Appointment).where(
        Appointment.status == BOOKED, Appointment.start_at > now, Appointment.start_at <= until,
        Appointment.reminded_at.is_(None),
    )  # fmt: skip
    return list(await db.scalars(query.order_by(Appointment.start_at, Appointment.id).limit(limit)))


async def mark_reminded(db: AsyncSession, appointment_ids: Sequence[str], now: datetime) -> None:
    await db.execute(update(Appointment).where(Appointment.id.in_(appointment_ids)).values(reminded_at=now))


# --- memberships and rewards -----------------------------------------------------------------------


async def membership_of(db: AsyncSession, user_id: int) -> Membership | None:
    query = select(Membership).where(Membership.user_id == user_id)
    return await db.scalar(query.execution_options(populate_existing=True))


async def insert_membership(db: AsyncSession, values: dict[str, Any]) -> None:
    await db.execute(insert(Membership).values(**values))


async def change_tier(db: AsyncSession, user_id: int, tier: str, now: datetime) -> bool:
    result = await db.execute(
        update(Membership).where(Membership.user_id == user_id).values(tier=tier, updated_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def delete_membership(db: AsyncSession, user_id: int) -> bool:
    result = await db.execute(delete(Membership).where(Membership.user_id == user_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def rewards_balance(db: AsyncSession, user_id: int) -> int:
    total = await db.scalar(
        select(func.sum(ReferralCredit.amount)).where(ReferralCredit.referrer_id == user_id)
    )
    return int(total or 0)


async def insert_credit(db: AsyncSession, values: dict[str, Any]) -> None:
    """Fails (IntegrityError) where the referred member's referral was credited already."""
    await db.execute(insert(ReferralCredit).values(**values))


async def credits_of(db: AsyncSession, referrer_id: int) -> dict[int, ReferralCredit]:
    """By referred member, the credits the referrer was given."""
    query = select(ReferralCredit).where(ReferralCredit.referrer_id == referrer_id)
    return {credit.referred_id: credit for credit in await db.scalars(query)}


# --- offers ----------------------------------------------------------------------------------------


async def running_offers(db: AsyncSession, now: datetime) -> list[Offer]:
    query = select(Offer).where(Offer.starts_at <= now, Offer.expires_at > now)
    return list(await db.scalars(query.order_by(Offer.created_at.desc(), Offer.id)))


def every_offer() -> Select[Offer]:
    """Newest first."""
    return select(Offer).order_by(Offer.created_at.desc(), Offer.id)


async def all_offers(db: AsyncSession) -> list[Offer]:
    return list(await db.scalars(every_offer()))


async def offer(db: AsyncSession, offer_id: str) -> Offer | None:
    query = select(Offer).where(Offer.id == offer_id)
    return await db.scalar(query.execution_options(populate_existing=True))


async def offer_locations(db: AsyncSession, offer_ids: Sequence[str]) -> dict[str, list[str]]:
    """By offer, the ids of the locations it names."""
    query = select(OfferLocation.offer_id, OfferLocation.location_id).where(
        OfferLocation.offer_id.in_(offer_ids)
    )
    named: dict[str, list[str]] = defaultdict(list)
    for offer_id, location_id in (await db.execute(query.order_by(OfferLocation.location_id))).tuples():
        named[offer_id].append(location_id)
    return named


async def insert_offer(db: AsyncSession, values: dict[str, Any]) -> None:
    await db.execute(insert(Offer).values(**values))


async def update_offer(db: AsyncSession, offer_id: str, values: dict[str, Any]) -> bool:
    result = await db.execute(update(Offer).where(Offer.id == offer_id).values(**values))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def place_offer(db: AsyncSession, offer_id: str, location_ids: Sequence[str]) -> None:
    """The offer runs at these locations, and no others."""
    await db.execute(delete(OfferLocation).where(OfferLocation.offer_id == offer_id))
    await db.execute(insert(OfferLocation), [{"offer_id": offer_id, "location_id": i} for i in location_ids])


async def delete_offer(db: AsyncSession, offer_id: str) -> bool:
    result = await db.execute(delete(Offer).where(Offer.id == offer_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


# --- the console's tables (admins) ----------------------------------------------------------------


async def paged(db: AsyncSession, query: Select[T], offset: int, limit: int) -> tuple[list[T], int]:
    """A page of `query`'s rows (ordered already), and how many it has in all."""
    total = await db.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return list(await db.scalars(query.offset(offset).limit(limit))), total or 0


def vehicles_where(owner_id: int | None, make: str | None) -> Select[Vehicle]:
    where: list[ColumnElement[bool]] = []
    if owner_id is not None:
        where.append(Vehicle.owner_id == owner_id)
    if make is not None:
        where.append(func.lower(Vehicle.make) == make.lower())
    return select(Vehicle).where(*where).order_by(Vehicle.created_at.desc(), Vehicle.id)


def appointments_where(
    status: str | None, location_id: str | None, start: datetime | None, end: datetime | None
) -> Select[Appointment]:
    """Those in `status`, at `location_id`, starting in [start, end): each when given."""
    where: list[ColumnElement[bool]] = []
    if status is not None:
        where.append(Appointment.status == status)
    if location_id is not None:
        where.append(Appointment.location_id == location_id)
    if start is not None and end is not None:
        where += [Appointment.start_at >= start, Appointment.start_at < end]
    return select(Appointment).where(*where).order_by(Appointment.start_at.desc(), Appointment.id)
