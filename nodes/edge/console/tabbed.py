"""What the sections made of several tables share (Realty: properties and requests; Garage: vehicles,
appointments, locations and offers): the tabs inside the section, a table page rendered with them, and
a row's action from its form — the owning domain's command, recorded in the audit log once it
succeeded, and the browser sent back to the table it came from with a notice of what happened."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

from aiohttp import web

from nodes.edge.state import BUS
from protocols.envelope import Command, DomainError, ErrorCode, Message
from protocols.moderation import LogAction

from .pages import render, see_other
from .sections import Section
from .session import Staff
from .tables import TableQuery, back_to, pager
from .trail import Detail, record

R = TypeVar("R", bound=Message)
Tab = tuple[str, str]  # title, path
# What the audit log says of an action, from the command's reply: (target type, id) and details.
Recorded = tuple[tuple[str, int], Mapping[str, Detail]]
# The notices every action may end with, beside its own, for `{row}` (the row's id).
FAILED = {
    ErrorCode.NOT_FOUND: "missing",
    ErrorCode.VALIDATION: "refused",
    ErrorCode.CONFLICT: "refused",
}


class RowsQuery(TableQuery):
    """A table whose rows have actions: `row` names the row the notice is about."""

    transient: ClassVar[frozenset[str]] = frozenset({"notice", "row"})
    row: str | None = None


def tabs_of(tabs: tuple[Tab, ...], current: str) -> list[dict[str, Any]]:
    return [{"title": title, "link": path, "current": path == current} for title, path in tabs]


def table_page(
    request: web.Request,
    staff: Staff,
    section: Section,
    template: str,
    tabs: tuple[Tab, ...],
    path: str,
    query: RowsQuery,
    found: Any,  # a page of rows: `items` and `total`
    size: int,
    notices: Mapping[str, str],
    **extra: Any,
) -> web.Response:
    """A table of `section` at `path`, under its tabs, with its pager and the notice of the last action."""
    notice = notices.get(query.notice or "")
    context = {
        "query": query,
        "rows": found.items,
        **pager(path, query, found.total, size),
        "tabs": tabs_of(tabs, path),
        "here": query.link(path),
        "notice": notice.format(row=query.row) if notice and query.row else None,
        **extra,
    }
    return render(request, template, context, staff=staff, section=section)


async def act(
    request: web.Request,
    staff: Staff,
    path: str,
    cmd: Command[R],
    action: LogAction,
    recorded: Callable[[R], Recorded],
    done: str,
) -> web.Response:
    """Sends `cmd` for `staff`; once it succeeded, records `action` as `recorded` says of its reply. The
    notice is `done`, or `missing`/`refused` (FAILED) when the domain said no."""
    row = request.match_info["row"]
    back = back_to((await request.post()).get("back"), path, path)
    try:
        reply = await request.app[BUS].request(cmd, actor=staff.actor)
    except DomainError as exc:
        if exc.code not in FAILED:
            raise
        return see_other(back.update_query(notice=FAILED[exc.code], row=row))
    target, details = recorded(reply)
    await record(request, staff, action, target, details)
    return see_other(back.update_query(notice=done, row=row))
