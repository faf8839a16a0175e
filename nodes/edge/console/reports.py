"""Reports of every contract (moderators and admins): `GET /admin/reports?status=&type=&reason=&contract=
&sort=&page=`, open ones (pending or reviewed) by default, newest first, filtered, sorted and paged by
the moderation worker (`ListReportRecords`); `GET /admin/reports/{id}`, one report with everything the
model keeps of it. From a row or a report's page: `POST /admin/reports/{id}/review` marks it reviewed
(`SetReportStatus`), `POST /admin/reports/{id}/resolve` closes it with a resolution and notes
(`ResolveReport`: the listing removed, the user warned or banned for some days with a reason, or
dismissed). Both commands log themselves. A moderator is offered what the worker lets him do: every
resolution but a ban, which is the admins'.

MillionAvto files reports in the canonical words (no contract of its own); FreeMarket's keep its own
word beside the canonical reason, shown with it."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from aiohttp import web
from multidict import MultiDictProxy
from pydantic import ValidationError
from yarl import URL

from nodes.edge.state import BUS
from protocols.envelope import Actor, DomainError, ErrorCode, Role
from protocols.fields import BAN_DAYS_MAX
from protocols.market import DescribeListings, ListingCore, ListingKind
from protocols.moderation import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    GetReportRecord,
    ListReportRecords,
    ReportReason,
    ReportRecord,
    ReportStatus,
    ReportType,
    Resolution,
    ResolveReport,
    SetReportStatus,
)

from .pages import filters_of, page, page_size, render, see_other
from .people import names_of
from .sections import REPORTS
from .session import Staff
from .tables import TableQuery, back_to, pager, sort_links

routes = web.RouteTableDef()

PATH = "/admin/reports"
ONE = PATH + r"/{report_id:\d{1,9}}"


class ReportView(StrEnum):
    OPEN = "open"
    PENDING = "pending"
    REVIEWED = "reviewed"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"
    CLOSED = "closed"
    ALL = "all"


VIEWS: dict[ReportView, list[ReportStatus] | None] = {
    ReportView.OPEN: list(OPEN_STATUSES),
    ReportView.PENDING: [ReportStatus.PENDING],
    ReportView.REVIEWED: [ReportStatus.REVIEWED],
    ReportView.RESOLVED: [ReportStatus.RESOLVED],
    ReportView.DISMISSED: [ReportStatus.DISMISSED],
    ReportView.CLOSED: list(CLOSED_STATUSES),
    ReportView.ALL: None,
}


class Contract(StrEnum):
    """The contract a report was filed on, as the filter names it."""

    AUTOS = "autos"  # MillionAvto: the canonical words
    BARTER = "barter"  # FreeMarket: its own words, `contract` "barter"


CONTRACT_TITLES: dict[str, str] = {Contract.AUTOS: "MillionAvto", Contract.BARTER: "FreeMarket"}


class ReportSort(StrEnum):
    CREATED_DESC = "created_desc"
    CREATED_ASC = "created_asc"


SORTABLE = {"created": (ReportSort.CREATED_DESC, ReportSort.CREATED_ASC)}
RESOLUTION_TITLES = {
    Resolution.LISTING_REMOVED: "Remove the listing",
    Resolution.USER_WARNED: "Warn the user",
    Resolution.USER_BANNED: "Ban the user",
    Resolution.DISMISSED: "Dismiss",
}
NOTICES = {
    "reviewed": "Report {report} marked reviewed.",
    Resolution.LISTING_REMOVED.value: "Report {report} resolved: the listing is hidden and its owner told.",
    Resolution.USER_WARNED.value: "Report {report} resolved: the user is warned.",
    Resolution.USER_BANNED.value: "Report {report} resolved: the user is banned and his sessions ended.",
    Resolution.DISMISSED.value: "Report {report} dismissed.",
    "closed": "Report {report} is closed already: nothing was changed.",
    "missing": "Report {report} is not there.",
    "invalid": "Report {report} cannot be resolved that way (a ban is 1 to {days} days, with a reason of "
    "100 characters at most; notes 2,000): nothing was changed.",
}
OUTCOMES = {ErrorCode.CONFLICT: "closed", ErrorCode.NOT_FOUND: "missing", ErrorCode.VALIDATION: "invalid"}


class ReportsQuery(TableQuery):
    transient: ClassVar[frozenset[str]] = frozenset({"notice", "report"})
    status: ReportView = ReportView.OPEN
    type: ReportType | None = None
    reason: ReportReason | None = None
    contract: Contract | None = None
    sort: ReportSort = ReportSort.CREATED_DESC
    report: int | None = None  # the report a notice is about


def notice_of(query: ReportsQuery) -> str | None:
    notice = NOTICES.get(query.notice or "")
    return notice.format(report=query.report, days=BAN_DAYS_MAX) if notice and query.report else None


def resolutions_for(report: ReportRecord, role: Role) -> list[Resolution]:
    """What this staff member may close the report with (as the worker lets him)."""
    if report.status not in OPEN_STATUSES:
        return []
    allowed = [Resolution.LISTING_REMOVED] if report.report_type is ReportType.AD else []
    if report.subject_user_id is not None:
        allowed.append(Resolution.USER_WARNED)
        if role is Role.ADMIN:
            allowed.append(Resolution.USER_BANNED)
    return [*allowed, Resolution.DISMISSED]


def contract_of(report: ReportRecord) -> str:
    contract = report.contract or Contract.AUTOS
    return CONTRACT_TITLES.get(contract, contract)


def listing_link(listing: ListingCore) -> str | None:
    """A vehicle ad's row in the ads queue (the queue of its status, its owner's ads); other listings
    have no page in the console."""
    if listing.kind != ListingKind.VEHICLE.value:
        return None
    url = URL("/admin/ads").with_query(status=listing.status, owner=str(listing.owner_id))
    return f"{url}#ad-{listing.id}"


async def listings_of(
    request: web.Request, actor: Actor, reports: list[ReportRecord]
) -> dict[int, ListingCore]:
    ids = sorted({r.target_id for r in reports if r.report_type is ReportType.AD})
    if not ids:
        return {}
    found = await request.app[BUS].request(DescribeListings(listing_ids=ids), actor=actor)
    return {listing.id: listing for listing in found.items}


async def shown(request: web.Request, staff: Staff, reports: list[ReportRecord]) -> dict[str, Any]:
    """What the rows of `reports` show beside the reports: people's names, the reported listings, and
    what each may be resolved with."""
    names = await names_of(
        request, [id_ for r in reports for id_ in (r.reporter_id, r.subject_user_id, r.handled_by)]
    )
    listings = await listings_of(request, staff.actor, reports)
    return {
        "names": names,
        "listings": listings,
        "listing_link": listing_link,
        "contract_of": contract_of,
        "resolutions": {r.id: resolutions_for(r, staff.actor.role) for r in reports},
        "resolution_titles": RESOLUTION_TITLES,
        "ban_days_max": BAN_DAYS_MAX,
    }


@routes.get(PATH)
@page(REPORTS)
async def reports(request: web.Request, staff: Staff) -> web.Response:
    query = filters_of(request, ReportsQuery)
    size = page_size(request)
    cmd = ListReportRecords(
        statuses=VIEWS[query.status], report_type=query.type, reason=query.reason,
        contract=query.contract.value if query.contract is Contract.BARTER else None,
        canonical_words=query.contract is Contract.AUTOS, oldest_first=query.sort is ReportSort.CREATED_ASC,
        offset=query.offset(size), limit=size,
    )  # fmt: skip
    found = await request.app[BUS].request(cmd, actor=staff.actor)
    context = {
        "query": query,
        "reports": found.items,
        **pager(PATH, query, found.total, size),
        **await shown(request, staff, found.items),
        "views": list(ReportView),
        "types": list(ReportType),
        "reasons": list(ReportReason),
        "contracts": CONTRACT_TITLES,
        "sorts": sort_links(PATH, query, query.sort, SORTABLE),
        "here": query.link(PATH),
        "notice": notice_of(query),
    }
    return render(request, "reports.html", context, staff=staff, section=REPORTS)


@routes.get(ONE)
@page(REPORTS)
async def report(request: web.Request, staff: Staff) -> web.Response:
    query = filters_of(request, ReportsQuery)
    report_id = int(request.match_info["report_id"])
    found = await request.app[BUS].request(GetReportRecord(report_id=report_id), actor=staff.actor)
    context = {
        "report": found,
        **await shown(request, staff, [found]),
        "here": f"{PATH}/{report_id}",
        "notice": notice_of(query),
    }
    return render(request, "report.html", context, staff=staff, section=REPORTS)


def _back(form: MultiDictProxy[Any], report_id: int) -> URL:
    """The report's page or the list the form was sent from (the list when neither)."""
    given = form.get("back")
    return back_to(given, f"{PATH}/{report_id}", str(back_to(given, PATH, PATH)))


async def _handled(request: web.Request, staff: Staff, command: Any) -> str | None:
    """None when the worker did it, else the notice of why not (its refusals that are no error)."""
    try:
        await request.app[BUS].request(command, actor=staff.actor)
    except DomainError as exc:
        if exc.code not in OUTCOMES:
            raise
        return OUTCOMES[exc.code]
    return None


@routes.post(ONE + "/review")
@page(REPORTS)
async def review(request: web.Request, staff: Staff) -> web.Response:
    report_id = int(request.match_info["report_id"])
    form = await request.post()
    cmd = SetReportStatus(report_id=report_id, status=ReportStatus.REVIEWED)
    outcome = await _handled(request, staff, cmd) or "reviewed"
    return see_other(_back(form, report_id).update_query(notice=outcome, report=str(report_id)))


@routes.post(ONE + "/resolve")
@page(REPORTS)
async def resolve(request: web.Request, staff: Staff) -> web.Response:
    report_id = int(request.match_info["report_id"])
    form = await request.post()
    fields = {
        name: str(form.get(name, "")).strip()
        for name in ("resolution", "admin_notes", "ban_days", "ban_reason")
    }
    try:
        cmd = ResolveReport(
            report_id=report_id, resolution=fields["resolution"], admin_notes=fields["admin_notes"] or None,
            ban_days=fields["ban_days"] or None, ban_reason=fields["ban_reason"] or None,
        )  # fmt: skip
    except ValidationError:
        outcome = "invalid"
    else:
        outcome = await _handled(request, staff, cmd) or cmd.resolution.value
    return see_other(_back(form, report_id).update_query(notice=outcome, report=str(report_id)))
