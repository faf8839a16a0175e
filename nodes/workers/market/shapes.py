"""A listing's rows as the wire's `Ad`."""

from __future__ import annotations

from protocols import market as wire
from protocols.identity import DealerCompany

from .queries import Row

VEHICLE_FIELDS = tuple(wire.VehicleFields.model_fields)


def ad(row: Row, dealer: DealerCompany | None = None) -> wire.Ad:
    listing, vehicle = row
    attributes = {name: getattr(vehicle, name) for name in VEHICLE_FIELDS} if vehicle else {}
    return wire.Ad(
        id=listing.id, owner_id=listing.owner_id, kind=wire.ListingKind(listing.kind),
        category_id=listing.category_id, title=listing.title, description=listing.description,
        price=listing.price, currency=listing.currency, status=wire.AdStatus(listing.status),
        city_id=listing.city_id, region_id=listing.region_id,
        country_id=listing.country_id, latitude=listing.latitude, longitude=listing.longitude,
        created_at=listing.created_at, updated_at=listing.updated_at, published_at=listing.published_at,
        expires_at=listing.expires_at, views_count=listing.views_count, images_count=listing.images_count,
        rejection_reason=listing.rejection_reason, is_dealer=bool(vehicle and vehicle.is_dealer), dealer=dealer,
        **{name: attributes.get(name) for name in VEHICLE_FIELDS},
    )  # fmt: skip
