"""A listing's rows as the wire's `Ad`, with its images and videos."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from nodes.runtime.media import MediaStore
from protocols import market as wire
from protocols.identity import DealerCompany
from storage.models.market import ListingMedia

from . import queries
from .queries import Row

VEHICLE_FIELDS = tuple(wire.VehicleFields.model_fields)
AdMedia = wire.AdImage | wire.AdVideo


def ad(row: Row, media: Sequence[AdMedia] = (), dealer: DealerCompany | None = None) -> wire.Ad:
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
        images=[item for item in media if isinstance(item, wire.AdImage)],
        videos=[item for item in media if isinstance(item, wire.AdVideo)],
        **{name: attributes.get(name) for name in VEHICLE_FIELDS},
    )  # fmt: skip


def image(row: ListingMedia, store: MediaStore) -> wire.AdImage:
    assert row.thumbnail_key is not None and row.width is not None and row.height is not None
    return wire.AdImage(
        id=row.id, url=store.url(row.key), thumbnail_url=store.url(row.thumbnail_key), width=row.width,
        height=row.height, size=row.size, position=row.position,
    )  # fmt: skip


def video(row: ListingMedia, store: MediaStore) -> wire.AdVideo:
    return wire.AdVideo(
        id=row.id, url=store.url(row.key), content_type=row.content_type, size=row.size, position=row.position
    )


def media_item(row: ListingMedia, store: MediaStore) -> AdMedia:
    return image(row, store) if row.kind == wire.MediaKind.IMAGE else video(row, store)


async def ads(
    db: AsyncSession, rows: Sequence[Row], store: MediaStore, companies: Mapping[int, DealerCompany]
) -> list[wire.Ad]:
    """The ads of `rows` with their media (one query for them all) and, on a dealer's ad, the
    dealer's company from `companies` (by owner)."""
    media: dict[int, list[AdMedia]] = defaultdict(list)
    for item in await queries.media_of(db, [listing.id for listing, _ in rows]):
        media[item.listing_id].append(media_item(item, store))
    return [
        ad(row, media[row[0].id], companies.get(row[0].owner_id) if row[1] and row[1].is_dealer else None)
        for row in rows
    ]
