"""The staff's hand on ads (the operators' console): any ad read in any status, deleted with its media
as its owner would delete it, one of its images or videos deleted, an image made its first. Moderators
and admins only; the console logs what they did."""

from __future__ import annotations

from datetime import UTC, datetime

from protocols import market as wire
from protocols.envelope import Actor, DomainError, Empty, ErrorCode
from storage.models.market import Listing

from . import queries
from .ads import NOT_FOUND, delete_with_media, forget_files
from .dealers import ad_of
from .deps import MarketDeps
from .handlers import handlers
from .moderation import require_moderator
from .search import listings_changed

MEDIA_NOT_FOUND = "Media not found"


def an_ad(listing: Listing | None) -> Listing:
    """A vehicle ad's listing (another vertical's is none of these commands' business)."""
    if listing is None or listing.kind != wire.ListingKind.VEHICLE:
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    return listing


@handlers.on(wire.GetAdForReview)
async def get_ad_for_review(cmd: wire.GetAdForReview, actor: Actor, deps: MarketDeps) -> wire.Ad:
    require_moderator(actor)
    async with deps.read_db() as db:
        row = await queries.listing(db, cmd.ad_id)
        if row is None:
            raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
        return await ad_of(deps, db, row)


@handlers.on(wire.RemoveAd)
async def remove_ad(cmd: wire.RemoveAd, actor: Actor, deps: MarketDeps) -> Empty:
    require_moderator(actor)
    async with deps.read_db() as db:
        if await queries.listing(db, cmd.ad_id) is None:
            raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    await delete_with_media(deps, cmd.ad_id)
    return Empty()


@handlers.on(wire.RemoveAdMedia)
async def remove_ad_media(cmd: wire.RemoveAdMedia, actor: Actor, deps: MarketDeps) -> wire.RemovedMedia:
    require_moderator(actor)
    async with deps.db() as db:
        an_ad(await queries.locked_listing(db, cmd.ad_id))
        media = await queries.delete_media(db, cmd.ad_id, cmd.media_id, {"updated_at": datetime.now(UTC)})
        if media is None:
            raise DomainError(ErrorCode.NOT_FOUND, MEDIA_NOT_FOUND)
        await db.commit()
    await listings_changed(deps)  # one image fewer: `has_images` may no longer find it
    await forget_files(deps, cmd.ad_id, [key for key in (media.key, media.thumbnail_key) if key])
    return wire.RemovedMedia(id=media.id, kind=wire.MediaKind(media.kind))


@handlers.on(wire.MakeMainImage)
async def make_main_image(cmd: wire.MakeMainImage, actor: Actor, deps: MarketDeps) -> Empty:
    require_moderator(actor)
    async with deps.db() as db:
        an_ad(await queries.locked_listing(db, cmd.ad_id))
        if not await queries.make_first(db, cmd.ad_id, cmd.media_id, wire.MediaKind.IMAGE.value):
            raise DomainError(ErrorCode.NOT_FOUND, MEDIA_NOT_FOUND)
        await queries.update_listing(db, cmd.ad_id, {"updated_at": datetime.now(UTC)}, {})
        await db.commit()
    return Empty()
