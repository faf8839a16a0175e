"""Offers: those running now for a member's tier near a point, nearest first; staff write them.

Offers and locations are few (a service network's, not a marketplace's), so the running offers are
read whole and the point's distance to each offer's nearest active location is worked out here.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from protocols import garage_members as wire
from protocols.envelope import Actor, DomainError, Empty, ErrorCode
from protocols.garage_service import new_id
from storage.models.garage_service import Offer
from storage.models.places import distance_km

from . import queries
from .deps import GarageDeps
from .handlers import handlers
from .staff import require_staff

NOT_FOUND = "Offer not found"
VEHICLE_NOT_FOUND = "Vehicle not found"


def view(row: Offer, location_ids: list[str]) -> wire.Offer:
    return wire.Offer(
        id=row.id, title=row.title, description=row.description, terms=row.terms, starts_at=row.starts_at,
        expiry=row.expires_at, eligible_memberships=[wire.MembershipTier(t) for t in row.tiers],
        locations=location_ids, created_at=row.created_at, updated_at=row.updated_at,
    )  # fmt: skip


async def views(db: AsyncSession, rows: list[Offer]) -> list[wire.Offer]:
    placed = await queries.offer_locations(db, [row.id for row in rows])
    return [view(row, placed.get(row.id, [])) for row in rows]


@handlers.on(wire.OffersNear)
async def offers_near(cmd: wire.OffersNear, actor: Actor, deps: GarageDeps) -> wire.OfferList:
    user_id = actor.require_user()
    now = datetime.now(UTC)
    async with deps.read_db() as db:
        if cmd.vehicle_id is not None and await queries.owned_vehicle(db, user_id, cmd.vehicle_id) is None:
            raise DomainError(ErrorCode.NOT_FOUND, VEHICLE_NOT_FOUND)
        membership = await queries.membership_of(db, user_id)
        tier = membership.tier if membership else None
        offers = await views(
            db, [o for o in await queries.running_offers(db, now) if not o.tiers or tier in o.tiers]
        )
        where = {row.id: row for row in await queries.locations(db, include_inactive=False)}
    if cmd.latitude is None or cmd.longitude is None:
        return wire.OfferList(items=offers)
    radius = deps.settings.garage.offers_radius_km
    near: list[tuple[float, wire.Offer]] = []
    for offer in offers:
        spots = [where[i] for i in offer.locations if i in where]
        distances = [distance_km(cmd.latitude, cmd.longitude, s.latitude, s.longitude) for s in spots]
        if distances and min(distances) <= radius:
            near.append((min(distances), offer))
    near.sort(key=lambda pair: pair[0])  # stable: offers as near come newest first
    return wire.OfferList(items=[offer for _, offer in near])


@handlers.on(wire.ListOffers)
async def list_offers(_cmd: wire.ListOffers, actor: Actor, deps: GarageDeps) -> wire.OfferList:
    require_staff(actor)
    async with deps.read_db() as db:
        return wire.OfferList(items=await views(db, await queries.all_offers(db)))


async def written(db: AsyncSession, offer_id: str) -> wire.Offer:
    row = await queries.offer(db, offer_id)
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    return (await views(db, [row]))[0]


async def check_locations(db: AsyncSession, location_ids: list[str]) -> None:
    known = await queries.known_locations(db, location_ids)
    unknown = [i for i in location_ids if i not in known]
    if unknown:
        raise DomainError(ErrorCode.VALIDATION, f"Unknown location: {unknown[0]}", {"field": "locations"})


def columns(fields: wire.OfferFields, now: datetime) -> dict[str, object]:
    return {
        "title": fields.title, "description": fields.description, "terms": fields.terms,
        "starts_at": fields.starts_at or now, "expires_at": fields.expiry,
        "tiers": [tier.value for tier in fields.eligible_memberships], "updated_at": now,
    }  # fmt: skip


def check_window(fields: wire.OfferFields, now: datetime) -> None:
    if fields.expiry <= now:
        raise DomainError(ErrorCode.VALIDATION, "An offer must expire in the future", {"field": "expiry"})


@handlers.on(wire.CreateOffer)
async def create_offer(cmd: wire.CreateOffer, actor: Actor, deps: GarageDeps) -> wire.Offer:
    require_staff(actor)
    now = datetime.now(UTC)
    check_window(cmd, now)
    offer_id = new_id()
    async with deps.db() as db:
        await check_locations(db, cmd.locations)
        await queries.insert_offer(db, columns(cmd, now) | {"id": offer_id, "created_at": now})
        await queries.place_offer(db, offer_id, cmd.locations)
        created = await written(db, offer_id)
        await db.commit()
    return created


@handlers.on(wire.UpdateOffer)
async def update_offer(cmd: wire.UpdateOffer, actor: Actor, deps: GarageDeps) -> wire.Offer:
    require_staff(actor)
    now = datetime.now(UTC)
    check_window(cmd, now)
    async with deps.db() as db:
        if not await queries.update_offer(db, cmd.offer_id, columns(cmd, now)):
            raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
        await check_locations(db, cmd.locations)
        await queries.place_offer(db, cmd.offer_id, cmd.locations)
        updated = await written(db, cmd.offer_id)
        await db.commit()
    return updated


@handlers.on(wire.DeleteOffer)
async def delete_offer(cmd: wire.DeleteOffer, actor: Actor, deps: GarageDeps) -> Empty:
    require_staff(actor)
    async with deps.db() as db:
        if not await queries.delete_offer(db, cmd.offer_id):
            raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
        await db.commit()
    return Empty()
