"""Ads, for moderators and admins.

- `GET /admin/ads?status=pending&q=&owner=&sort=&page=`: the moderation queue, a table of vehicle ads
  in one status that sorts, filters and pages on the server (the market's `ListAdsForReview`); a
  pending ad is approved or rejected with a reason from its row (`POST /admin/ads/{id}/approve|reject`,
  moderation's `ModerateListing`, which logs the decision), and the browser is sent back to the page it
  came from with a notice of what happened.
- `GET /admin/ads/{id}`: one ad in any status (`GetAdForReview`), every field, its images and videos,
  with the same decisions, and `POST /admin/ads/{id}/delete` (a reason needed: the market's `RemoveAd`,
  then back to the queue of its status), `POST /admin/ads/{id}/media/{media_id}/delete`
  (`RemoveAdMedia`) and `.../main` (`MakeMainImage`: the image goes first). What the market carries
  out is recorded in the audit log once done (`trail.record`), the reason of a deletion with it."""

from __future__ import annotations

from typing import ClassVar, TypeVar

from aiohttp import web
from pydantic import BaseModel, TypeAdapter, ValidationError
from yarl import URL

from nodes.edge.state import BUS
from protocols.envelope import Command, DomainError, ErrorCode, Message
from protocols.fields import AdSearchText, Id, RejectionReason
from protocols.market import (
    AdSort,
    AdStatus,
    GetAdForReview,
    ListAdsForReview,
    MakeMainImage,
    ModerationDecision,
    RemoveAd,
    RemoveAdMedia,
)
from protocols.moderation import LogAction, ModerateListing

from .pages import filters_of, page, page_size, render, see_other
from .sections import ADS
from .session import Staff
from .tables import TableQuery, back_to, pager, sort_links
from .trail import record

routes = web.RouteTableDef()
R = TypeVar("R", bound=Message)

QUEUE = "/admin/ads"
PENDING = str(URL(QUEUE).with_query(status=AdStatus.PENDING.value))
# The columns a click sorts by: each with its two orders (the first on the first click).
SORTABLE = {
    "created": (AdSort.CREATED_ASC, AdSort.CREATED_DESC),
    "price": (AdSort.PRICE_ASC, AdSort.PRICE_DESC),
    "year": (AdSort.YEAR_DESC, AdSort.YEAR_ASC),
    "mileage": (AdSort.MILEAGE_ASC, AdSort.MILEAGE_DESC),
}
NOTICES = {
    "approved": "Ad {ad} approved: it is public now.",
    "rejected": "Ad {ad} rejected; its owner sees the reason.",
    "not_pending": "Ad {ad} is no longer pending: nothing was changed.",
    "missing": "Ad {ad} is not there.",
    "no_reason": "A rejection needs a reason (500 characters at most): ad {ad} was not changed.",
    "deleted": "Ad {ad} deleted, with its images and videos.",
    "no_delete_reason": "A deletion needs a reason (500 characters at most): ad {ad} was not deleted.",
    "media_deleted": "The image or video was deleted from ad {ad}.",
    "media_missing": "That image or video of ad {ad} is not there (deleted already?).",
    "main_image": "The image is ad {ad}'s first now.",
}
# The ad's fields its page shows on their own; the rest are listed as they are, the unset ones left out.
SHOWN_APART = {"id", "owner_id", "title", "description", "price", "currency", "status", "created_at",
               "updated_at", "published_at", "expires_at", "views_count", "rejection_reason", "is_dealer",
               "dealer", "images", "videos"}  # fmt: skip
AD = QUEUE + r"/{ad_id:\d{1,9}}"
MEDIA = AD + r"/media/{media_id:\d{1,9}}"


class QueueQuery(TableQuery):
    transient: ClassVar[frozenset[str]] = frozenset({"notice", "ad"})
    status: AdStatus = AdStatus.PENDING
    q: AdSearchText = ""
    owner: Id | None = None
    sort: AdSort = AdSort.CREATED_ASC
    ad: int | None = None


@routes.get(QUEUE)
@page(ADS)
async def queue(request: web.Request, staff: Staff) -> web.Response:
    query = filters_of(request, QueueQuery)
    size = page_size(request)
    cmd = ListAdsForReview(status=query.status, q=query.q or None, owner_id=query.owner, sort_by=query.sort,
                           offset=query.offset(size), limit=size)  # fmt: skip
    found = await request.app[BUS].request(cmd, actor=staff.actor)
    notice = NOTICES.get(query.notice or "")
    context = {
        "query": query,
        "ads": found.items,
        **pager(QUEUE, query, found.total, size),
        "statuses": list(AdStatus),
        "sorts": sort_links(QUEUE, query, query.sort, SORTABLE),
        "here": query.link(QUEUE),
        "owner_link": lambda owner_id: query.link(QUEUE, owner=owner_id, page=1),
        "notice": notice.format(ad=query.ad) if notice and query.ad else None,
    }
    return render(request, "ads.html", context, staff=staff, section=ADS)


class AdQuery(BaseModel):
    notice: str | None = None


def ad_page(ad_id: int) -> str:
    return f"{QUEUE}/{ad_id}"


def status_queue(status: AdStatus) -> str:
    return str(URL(QUEUE).with_query(status=status.value))


@routes.get(AD)
@page(ADS)
async def ad(request: web.Request, staff: Staff) -> web.Response:
    ad_id = int(request.match_info["ad_id"])
    notice = NOTICES.get(filters_of(request, AdQuery).notice or "")
    found = await request.app[BUS].request(GetAdForReview(ad_id=ad_id), actor=staff.actor)
    written = found.model_dump(mode="json", exclude=SHOWN_APART)
    context = {
        "ad": found,
        "fields": [(name, value) for name, value in written.items() if value is not None],
        "here": ad_page(ad_id),
        "queue": status_queue(found.status),
        "notice": notice.format(ad=ad_id) if notice else None,
    }
    return render(request, "ad.html", context, staff=staff, section=ADS)


OUTCOMES = {
    ErrorCode.CONFLICT: "not_pending",
    ErrorCode.NOT_FOUND: "missing",
    ErrorCode.VALIDATION: "no_reason",
}


async def _moderate(request: web.Request, staff: Staff, decision: ModerationDecision) -> web.Response:
    ad_id = int(request.match_info["ad_id"])
    form = await request.post()
    back = back_to(form.get("back"), ad_page(ad_id), str(back_to(form.get("back"), QUEUE, PENDING)))
    reason = str(form.get("reason", "")).strip() or None
    try:
        cmd = ModerateListing(ad_id=ad_id, decision=decision, reason=reason)
        await request.app[BUS].request(cmd, actor=staff.actor)
        outcome = "approved" if decision is ModerationDecision.APPROVE else "rejected"
    except ValidationError:  # a reason longer than the model takes
        outcome = "no_reason"
    except DomainError as exc:
        if exc.code not in OUTCOMES:
            raise
        outcome = OUTCOMES[exc.code]
    return see_other(back.update_query(notice=outcome, ad=str(ad_id)))


@routes.post(AD + "/approve")
@page(ADS)
async def approve(request: web.Request, staff: Staff) -> web.Response:
    return await _moderate(request, staff, ModerationDecision.APPROVE)


@routes.post(AD + "/reject")
@page(ADS)
async def reject(request: web.Request, staff: Staff) -> web.Response:
    return await _moderate(request, staff, ModerationDecision.REJECT)


async def _asked(request: web.Request, staff: Staff, cmd: Command[R]) -> R | None:
    """The market's answer; None when what it was asked about is not there."""
    try:
        return await request.app[BUS].request(cmd, actor=staff.actor)
    except DomainError as exc:
        if exc.code is not ErrorCode.NOT_FOUND:
            raise
        return None


@routes.post(AD + "/delete")
@page(ADS)
async def delete(request: web.Request, staff: Staff) -> web.Response:
    ad_id = int(request.match_info["ad_id"])
    form = await request.post()
    try:
        reason = TypeAdapter(RejectionReason).validate_python(str(form.get("reason", "")).strip())
    except ValidationError:
        return see_other(URL(ad_page(ad_id)).with_query(notice="no_delete_reason"))
    back = back_to(form.get("back"), QUEUE, PENDING)
    if await _asked(request, staff, RemoveAd(ad_id=ad_id)) is None:
        return see_other(back.update_query(notice="missing", ad=str(ad_id)))
    await record(request, staff, LogAction.DELETE_AD, ("ad", ad_id), {"reason": reason})
    return see_other(back.update_query(notice="deleted", ad=str(ad_id)))


@routes.post(MEDIA + "/delete")
@page(ADS)
async def delete_media(request: web.Request, staff: Staff) -> web.Response:
    ad_id, media_id = int(request.match_info["ad_id"]), int(request.match_info["media_id"])
    removed = await _asked(request, staff, RemoveAdMedia(ad_id=ad_id, media_id=media_id))
    if removed is None:
        return see_other(URL(ad_page(ad_id)).with_query(notice="media_missing"))
    details = {"media": media_id, "kind": removed.kind.value}
    await record(request, staff, LogAction.DELETE_MEDIA, ("ad", ad_id), details)
    return see_other(URL(ad_page(ad_id)).with_query(notice="media_deleted"))


@routes.post(MEDIA + "/main")
@page(ADS)
async def main_image(request: web.Request, staff: Staff) -> web.Response:
    ad_id, media_id = int(request.match_info["ad_id"]), int(request.match_info["media_id"])
    if await _asked(request, staff, MakeMainImage(ad_id=ad_id, media_id=media_id)) is None:
        return see_other(URL(ad_page(ad_id)).with_query(notice="media_missing"))
    await record(request, staff, LogAction.MAIN_IMAGE, ("ad", ad_id), {"media": media_id})
    return see_other(URL(ad_page(ad_id)).with_query(notice="main_image"))
