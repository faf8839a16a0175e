"""An ad's images and videos. The edge that takes an upload checks it here first (the owner's ad, with
room for one more), stores the files, then has them recorded here, where the count is checked again
under the listing's lock; deleting an ad deletes its files (ads.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from protocols import market as wire
from protocols.envelope import Actor, DomainError, Empty, ErrorCode
from storage.models.market import ListingMedia

from . import queries
from .ads import NOT_FOUND, next_status
from .deps import MarketDeps
from .handlers import handlers
from .references import invalid
from .search import listings_changed
from .shapes import image, video


def limit_of(deps: MarketDeps, kind: wire.MediaKind) -> int:
    media = deps.settings.media
    return media.max_ad_images if kind is wire.MediaKind.IMAGE else media.max_ad_videos


def full(kind: wire.MediaKind, limit: int) -> DomainError:
    return DomainError(ErrorCode.CONFLICT, f"An ad has at most {limit} {kind.value}s")


@handlers.on(wire.CheckMediaUpload)
async def check_media_upload(cmd: wire.CheckMediaUpload, actor: Actor, deps: MarketDeps) -> Empty:
    user_id = actor.require_user()
    async with deps.read_db() as db:
        row = await queries.listing(db, cmd.ad_id)
        if row is None or row[0].owner_id != user_id:
            raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
        count, _ = await queries.media_tally(db, cmd.ad_id, cmd.kind.value)
    limit = limit_of(deps, cmd.kind)
    if count >= limit:
        raise full(cmd.kind, limit)
    return Empty()


async def attach(
    deps: MarketDeps, actor: Actor, ad_id: int, kind: wire.MediaKind, values: dict[str, Any]
) -> ListingMedia:
    """Records the media under the owner's ad, within its kind's count; an edited rejected ad goes
    back to the moderators."""
    user_id = actor.require_user()
    folder = f"ads/{ad_id}/"
    for name in ("key", "thumbnail_key"):
        if name in values and not values[name].startswith(folder):
            raise invalid(name, f"not under {folder}")
    limit = limit_of(deps, kind)
    now = datetime.now(UTC)
    async with deps.db() as db:
        listing = await queries.locked_listing(db, ad_id)
        if listing is None or listing.owner_id != user_id:
            raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
        count, position = await queries.media_tally(db, ad_id, kind.value)
        if count >= limit:
            raise full(kind, limit)
        media = values | {"listing_id": ad_id, "kind": kind.value, "position": position, "created_at": now}
        changes: dict[str, Any] = {"updated_at": now}
        status = next_status(wire.AdStatus(listing.status), None, edited=True)
        if status.value != listing.status:
            changes |= {"status": status.value, "rejection_reason": None}
        media_id = await queries.insert_media(db, media, changes, image=kind is wire.MediaKind.IMAGE)
        await db.commit()
    await listings_changed(deps)
    return ListingMedia(id=media_id, **media)


@handlers.on(wire.AttachImage)
async def attach_image(cmd: wire.AttachImage, actor: Actor, deps: MarketDeps) -> wire.AdImage:
    values = cmd.model_dump(exclude={"ad_id"})
    return image(await attach(deps, actor, cmd.ad_id, wire.MediaKind.IMAGE, values), deps.media)


@handlers.on(wire.AttachVideo)
async def attach_video(cmd: wire.AttachVideo, actor: Actor, deps: MarketDeps) -> wire.AdVideo:
    values = cmd.model_dump(exclude={"ad_id"})
    return video(await attach(deps, actor, cmd.ad_id, wire.MediaKind.VIDEO, values), deps.media)
