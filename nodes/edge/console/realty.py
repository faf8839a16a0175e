"""Realty's data (admins): `GET /admin/realty/properties?status=&city=&owner=&sort=&page=` (the market's
`ListPropertiesForStaff`), each property archived or restored from its row
(`POST /admin/realty/properties/{id}/archive|restore`, the owner's own commands, which the market lets
an admin use on anyone's), and `GET /admin/realty/requests?status=&owner=&page=` (the realty domain's
`ListRequestsForStaff`), a request closed from its row (`POST /admin/realty/requests/{id}/close`). Each
action is recorded in the audit log. `/admin/realty` leads to the first table."""

from __future__ import annotations

from aiohttp import web

from protocols.fields import Id, PlaceName
from protocols.market_realty import (
    ArchiveProperty,
    ListPropertiesForStaff,
    Property,
    PropertyStatus,
    RestoreProperty,
)
from protocols.market_realty import StaffPropertySort as Sort
from protocols.moderation import LogAction
from protocols.realty import BuyerRequest, CloseRequest, ListRequestsForStaff, RequestStatus

from .pages import page
from .sections import REALTY
from .session import Staff
from .tabbed import Recorded, RowsQuery, Table, act, lead_to_first, table_page
from .tables import sort_links

routes = web.RouteTableDef()

PROPERTIES = "/admin/realty/properties"
REQUESTS = "/admin/realty/requests"
TABS = (("Properties", PROPERTIES), ("Buyer requests", REQUESTS))
SORTABLE = {"price": (Sort.PRICE_ASC, Sort.PRICE_DESC), "created": (Sort.CREATED_DESC, Sort.CREATED_ASC)}
ROW = r"/{row:\d{1,9}}"
PROPERTY_TABLE = Table(
    REALTY,
    TABS,
    PROPERTIES,
    "realty_properties.html",
    {
        "archived": "Property {row} archived: it is no longer shown nor matched.",
        "restored": "Property {row} restored: it is shown again.",
        "missing": "Property {row} is not there.",
        "refused": "Property {row} was not changed.",
    },
)
REQUEST_TABLE = Table(
    REALTY,
    TABS,
    REQUESTS,
    "realty_requests.html",
    {
        "closed": "Request {row} closed: it is matched no more.",
        "missing": "Request {row} is not there.",
        "refused": "Request {row} was not changed.",
    },
)


class PropertiesQuery(RowsQuery):
    status: PropertyStatus | None = None
    city: PlaceName | None = None
    owner: Id | None = None
    sort: Sort = Sort.CREATED_DESC


class RequestsQuery(RowsQuery):
    status: RequestStatus | None = None
    owner: Id | None = None


lead_to_first(routes, REALTY, PROPERTIES)


@routes.get(PROPERTIES)
@page(REALTY)
async def properties(request: web.Request, staff: Staff) -> web.Response:
    def command(query: PropertiesQuery, offset: int, limit: int) -> ListPropertiesForStaff:
        return ListPropertiesForStaff(status=query.status, city=query.city, owner_id=query.owner,
                                      sort=query.sort, offset=offset, limit=limit)  # fmt: skip

    return await table_page(
        request, staff, PROPERTY_TABLE, PropertiesQuery, command, statuses=list(PropertyStatus),
        sorts_of=lambda query: sort_links(PROPERTIES, query, query.sort, SORTABLE),  # the template's
    )  # fmt: skip


def _property(item: Property) -> Recorded:
    return ("property", item.id), {"owner": item.owner_id, "title": item.title}


@routes.post(PROPERTIES + ROW + "/archive")
@page(REALTY)
async def archive(request: web.Request, staff: Staff) -> web.Response:
    cmd = ArchiveProperty(property_id=int(request.match_info["row"]))
    return await act(request, staff, PROPERTIES, cmd, LogAction.ARCHIVE_PROPERTY, _property, "archived")


@routes.post(PROPERTIES + ROW + "/restore")
@page(REALTY)
async def restore(request: web.Request, staff: Staff) -> web.Response:
    cmd = RestoreProperty(property_id=int(request.match_info["row"]))
    return await act(request, staff, PROPERTIES, cmd, LogAction.RESTORE_PROPERTY, _property, "restored")


def criteria(item: BuyerRequest) -> str:
    """A request's criteria in a line: what, where, how big, for how much."""
    parts = [f"{item.deal_format.value} {item.subtype.value if item.subtype else item.type.value}"]
    parts.append(f"in {item.city}" + (f", {item.district}" if item.district else ""))
    for label, low, high, unit in (
        ("rooms", item.rooms_min, item.rooms_max, ""),
        ("area", item.total_area_min, item.total_area_max, " m²"),
        ("budget", item.budget_min, item.budget_max, f" {item.currency.value}"),
    ):
        if low is not None or high is not None:
            low_text = f"{low:,.0f}" if low is not None else "…"
            high_text = f"{high:,.0f}" if high is not None else "…"
            parts.append(f"{label} {low_text}–{high_text}{unit}")
    return "; ".join(parts)


@routes.get(REQUESTS)
@page(REALTY)
async def requests(request: web.Request, staff: Staff) -> web.Response:
    def command(query: RequestsQuery, offset: int, limit: int) -> ListRequestsForStaff:
        return ListRequestsForStaff(status=query.status, owner_id=query.owner, offset=offset, limit=limit)

    return await table_page(
        request, staff, REQUEST_TABLE, RequestsQuery, command, statuses=list(RequestStatus), criteria=criteria
    )


def _request(item: BuyerRequest) -> Recorded:
    return ("request", item.id), {"owner": item.owner_id}


@routes.post(REQUESTS + ROW + "/close")
@page(REALTY)
async def close(request: web.Request, staff: Staff) -> web.Response:
    cmd = CloseRequest(request_id=int(request.match_info["row"]))
    return await act(request, staff, REQUESTS, cmd, LogAction.CLOSE_REQUEST, _request, "closed")
