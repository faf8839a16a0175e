"""Banners (admins), through the market's banner commands, which check the role again.

- `GET /admin/banners?location=&page=`: every banner, shown now or not (`ListBanners` with
  `include_inactive`), by position then id, paged on the server; with the form that creates one
  (`POST /admin/banners`, `CreateBanner`).
- `GET /admin/banners/{id}`: its form (`GetBanner`), which saves every field (`POST /admin/banners/{id}`,
  `UpdateBanner`), and its deletion (`POST /admin/banners/{id}/delete`, `DeleteBanner`).

A banner's image is its URL (an address or a path of the site), as the banners API takes it; times are
UTC's. A form the market refuses (dates out of order, a link that is no web address) is shown again
with what was wrong (400). Each change is recorded in the audit log once done."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from aiohttp import web
from multidict import MultiDictProxy
from pydantic import ValidationError
from yarl import URL

from nodes.edge.state import BUS
from protocols.envelope import DomainError, ErrorCode
from protocols.market import (
    Banner,
    BannerField,
    BannerLocation,
    CreateBanner,
    DeleteBanner,
    GetBanner,
    ListBanners,
    UpdateBanner,
)
from protocols.moderation import LogAction

from .pages import filters_of, page, page_size, render, see_other
from .sections import BANNERS
from .session import Staff
from .tables import TableQuery, back_to, pager
from .trail import record

routes = web.RouteTableDef()

PATH = "/admin/banners"
ONE = PATH + r"/{banner_id:\d{1,9}}"
LOCAL_TIME = "%Y-%m-%dT%H:%M"  # what an `<input type="datetime-local">` holds
NOTICES = {
    "created": "Banner {banner} created.",
    "updated": "Banner {banner} saved.",
    "deleted": "Banner {banner} deleted.",
    "missing": "Banner {banner} is not there.",
}
NEW = {"title": "", "image_url": "", "link_url": "", "location": BannerLocation.HOME_TOP.value,
       "starts_at": "", "ends_at": "", "is_active": "on", "position": "0"}  # fmt: skip


class BannersQuery(TableQuery):
    transient: ClassVar[frozenset[str]] = frozenset({"notice", "banner"})
    location: BannerLocation | None = None
    banner: int | None = None


def posted(form: MultiDictProxy[Any]) -> dict[str, str]:
    return {name: str(form.get(name, "")).strip() for name in NEW}


def checked(values: Mapping[str, str]) -> CreateBanner:
    """The form's banner (its empty fields absent; an unchecked box is not posted at all); a
    `validation` error naming the fields that are wrong."""
    given: dict[str, object] = {name: value for name, value in values.items() if value}
    try:
        return CreateBanner.model_validate(given | {"is_active": bool(values.get("is_active"))})
    except ValidationError as exc:
        wrong = ", ".join(sorted({str(error["loc"][0]) for error in exc.errors()}))
        raise DomainError(ErrorCode.VALIDATION, f"Check these fields: {wrong}.") from None


def local(moment: datetime | None) -> str:
    return moment.strftime(LOCAL_TIME) if moment else ""


def values_of(banner: Banner) -> dict[str, str]:
    """A banner as its form shows it."""
    return {
        "title": banner.title, "image_url": banner.image_url, "link_url": banner.link_url or "",
        "location": banner.location.value, "starts_at": local(banner.starts_at), "ends_at": local(banner.ends_at),
        "is_active": "on" if banner.is_active else "", "position": str(banner.position),
    }  # fmt: skip


async def _table(request: web.Request, staff: Staff, values: Mapping[str, str] = NEW,
                 error: str | None = None, status: int = 200) -> web.Response:  # fmt: skip
    query = filters_of(request, BannersQuery)
    size = page_size(request)
    cmd = ListBanners(location=query.location, include_inactive=True, offset=query.offset(size), limit=size)
    found = await request.app[BUS].request(cmd, actor=staff.actor)
    notice = NOTICES.get(query.notice or "")
    context = {
        "query": query,
        "banners": found.items,
        **pager(PATH, query, found.total, size),
        "locations": list(BannerLocation),
        "here": query.link(PATH),
        "values": values,
        "error": error,
        "notice": notice.format(banner=query.banner) if notice and query.banner else None,
    }
    return render(request, "banners.html", context, staff=staff, section=BANNERS, status=status)


@routes.get(PATH)
@page(BANNERS)
async def banners(request: web.Request, staff: Staff) -> web.Response:
    return await _table(request, staff)


def _done(back: URL, notice: str, banner_id: int) -> web.Response:
    return see_other(back.update_query(notice=notice, banner=str(banner_id)))


@routes.post(PATH)
@page(BANNERS)
async def create(request: web.Request, staff: Staff) -> web.Response:
    form = await request.post()
    values = posted(form)
    try:
        banner = await request.app[BUS].request(checked(values), actor=staff.actor)
    except DomainError as exc:
        if exc.code is not ErrorCode.VALIDATION:
            raise
        return await _table(request, staff, values, exc.message, status=400)
    details = {"title": banner.title, "location": banner.location.value}
    await record(request, staff, LogAction.CREATE_BANNER, ("banner", banner.id), details)
    return _done(back_to(form.get("back"), PATH, PATH), "created", banner.id)


def _edit_page(request: web.Request, staff: Staff, banner_id: int, values: Mapping[str, str],
               error: str | None = None, status: int = 200) -> web.Response:  # fmt: skip
    context = {"banner_id": banner_id, "values": values, "error": error, "locations": list(BannerLocation)}
    return render(request, "banner.html", context, staff=staff, section=BANNERS, status=status)


@routes.get(ONE)
@page(BANNERS)
async def banner(request: web.Request, staff: Staff) -> web.Response:
    banner_id = int(request.match_info["banner_id"])
    found = await request.app[BUS].request(GetBanner(banner_id=banner_id), actor=staff.actor)
    return _edit_page(request, staff, banner_id, values_of(found))


@routes.post(ONE)
@page(BANNERS)
async def update(request: web.Request, staff: Staff) -> web.Response:
    banner_id = int(request.match_info["banner_id"])
    values = posted(await request.post())
    try:
        changes = checked(values).model_dump()
        cmd = UpdateBanner(banner_id=banner_id, changed=frozenset(BannerField), **changes)
        saved = await request.app[BUS].request(cmd, actor=staff.actor)
    except DomainError as exc:
        if exc.code is not ErrorCode.VALIDATION:
            raise
        return _edit_page(request, staff, banner_id, values, exc.message, status=400)
    details = {"title": saved.title, "location": saved.location.value, "is_active": saved.is_active}
    await record(request, staff, LogAction.UPDATE_BANNER, ("banner", banner_id), details)
    return _done(URL(PATH), "updated", banner_id)


@routes.post(ONE + "/delete")
@page(BANNERS)
async def delete(request: web.Request, staff: Staff) -> web.Response:
    banner_id = int(request.match_info["banner_id"])
    try:
        await request.app[BUS].request(DeleteBanner(banner_id=banner_id), actor=staff.actor)
    except DomainError as exc:
        if exc.code is not ErrorCode.NOT_FOUND:
            raise
        return _done(URL(PATH), "missing", banner_id)
    await record(request, staff, LogAction.DELETE_BANNER, ("banner", banner_id))
    return _done(URL(PATH), "deleted", banner_id)
