"""The ads moderation queue: `GET /admin/ads?status=pending&q=&owner=&sort=&page=` (moderators and admins),
a table of vehicle ads in one status that sorts, filters and pages on the server (the market's
`ListAdsForReview`); a pending ad is approved or rejected with a reason from its row
(`POST /admin/ads/{id}/approve|reject`, moderation's `ModerateListing`, which logs the decision), and
the browser is sent back to the page it came from with a notice of what happened."""

from __future__ import annotations

from typing import ClassVar

from aiohttp import web
from pydantic import ValidationError
from yarl import URL

from nodes.edge.state import BUS
from protocols.envelope import DomainError, ErrorCode
from protocols.fields import AdSearchText, Id
from protocols.market import AdSort, AdStatus, ListAdsForReview, ModerationDecision
from protocols.moderation import ModerateListing

from .pages import filters_of, page, page_size, render, see_other
from .sections import ADS
from .session import Staff
from .tables import TableQuery, back_to, pager, sort_links

routes = web.RouteTableDef()

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
}


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


OUTCOMES = {
    ErrorCode.CONFLICT: "not_pending",
    ErrorCode.NOT_FOUND: "missing",
    ErrorCode.VALIDATION: "no_reason",
}


async def _moderate(request: web.Request, staff: Staff, decision: ModerationDecision) -> web.Response:
    ad_id = int(request.match_info["ad_id"])
    form = await request.post()
    back = back_to(form.get("back"), QUEUE, PENDING)
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


@routes.post(QUEUE + r"/{ad_id:\d{1,9}}/approve")
@page(ADS)
async def approve(request: web.Request, staff: Staff) -> web.Response:
    return await _moderate(request, staff, ModerationDecision.APPROVE)


@routes.post(QUEUE + r"/{ad_id:\d{1,9}}/reject")
@page(ADS)
async def reject(request: web.Request, staff: Staff) -> web.Response:
    return await _moderate(request, staff, ModerationDecision.REJECT)
