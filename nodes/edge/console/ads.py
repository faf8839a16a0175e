"""The ads moderation queue: `GET /admin/ads?status=pending&q=&owner=&sort=&page=` (moderators and admins),
a table of vehicle ads in one status that sorts, filters and pages on the server (the market's
`ListAdsForReview`); a pending ad is approved or rejected with a reason from its row
(`POST /admin/ads/{id}/approve|reject`, moderation's `ModerateListing`, which logs the decision), and
the browser is sent back to the page it came from with a notice of what happened."""

from __future__ import annotations

import math
from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field, ValidationError
from yarl import URL

from nodes.edge.state import BUS
from protocols.envelope import DomainError, ErrorCode
from protocols.fields import AdSearchText, Id
from protocols.market import AdSort, AdStatus, ListAdsForReview, ModerationDecision
from protocols.moderation import ModerateListing

from .pages import filters_of, page, page_size, render, see_other
from .sections import ADS
from .session import Staff

routes = web.RouteTableDef()

QUEUE = "/admin/ads"
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


class QueueQuery(BaseModel):
    status: AdStatus = AdStatus.PENDING
    q: AdSearchText = ""
    owner: Id | None = None
    sort: AdSort = AdSort.CREATED_ASC
    page: int = Field(default=1, ge=1, le=100_000)
    notice: str | None = None
    ad: int | None = None


def _link(query: QueueQuery, **changes: Any) -> str:
    """The queue with `query`'s filters, `changes` applied (notices never carried over)."""
    params = query.model_dump(exclude={"notice", "ad"}) | changes
    kept = {name: str(value) for name, value in params.items() if value not in ("", None)}
    return str(URL(QUEUE).with_query(kept))


def _sort_links(query: QueueQuery) -> dict[str, dict[str, str]]:
    """Per sortable column: the link a click on its header follows, and its mark if sorted by it."""
    links = {}
    for column, (first, second) in SORTABLE.items():
        current = query.sort in (first, second)
        then = second if query.sort is first else first
        mark = ("▲" if query.sort.value.endswith("_asc") else "▼") if current else ""
        links[column] = {"href": _link(query, sort=then.value, page=1), "mark": mark}
    return links


@routes.get(QUEUE)
@page(ADS)
async def queue(request: web.Request, staff: Staff) -> web.Response:
    query = filters_of(request, QueueQuery)
    size = page_size(request)
    cmd = ListAdsForReview(status=query.status, q=query.q or None, owner_id=query.owner, sort_by=query.sort,
                           offset=(query.page - 1) * size, limit=size)  # fmt: skip
    found = await request.app[BUS].request(cmd, actor=staff.actor)
    pages = max(1, math.ceil(found.total / size))
    notice = NOTICES.get(query.notice or "")
    context = {
        "query": query,
        "ads": found.items,
        "total": found.total,
        "pages": pages,
        "statuses": list(AdStatus),
        "sorts": _sort_links(query),
        "previous": _link(query, page=query.page - 1) if query.page > 1 else None,
        "next": _link(query, page=query.page + 1) if query.page < pages else None,
        "here": _link(query),
        "owner_link": lambda owner_id: _link(query, owner=owner_id, page=1),
        "notice": notice.format(ad=query.ad) if notice and query.ad else None,
    }
    return render(request, "ads.html", context, staff=staff, section=ADS)


def _back(value: object) -> URL:
    """The queue page the form was on (never anywhere else)."""
    if isinstance(value, str) and value.startswith(QUEUE + "?") and "//" not in value:
        return URL(value)
    return URL(QUEUE).with_query(status=AdStatus.PENDING.value)


OUTCOMES = {
    ErrorCode.CONFLICT: "not_pending",
    ErrorCode.NOT_FOUND: "missing",
    ErrorCode.VALIDATION: "no_reason",
}


async def _moderate(request: web.Request, staff: Staff, decision: ModerationDecision) -> web.Response:
    ad_id = int(request.match_info["ad_id"])
    form = await request.post()
    back = _back(form.get("back"))
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
