"""What the sections made of several tables share (Realty: properties and requests; Garage: vehicles,
appointments, locations and offers): the tabs inside the section, a table page rendered with them, and
a row's action from its form — the owning domain's command, recorded in the audit log once it
succeeded, and the browser sent back to the table it came from with a notice of what happened."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from aiohttp import web

from nodes.edge.state import BUS
from protocols.envelope import Command, DomainError, ErrorCode, Message
from protocols.moderation import LogAction

from .pages import filters_of, page, page_size, render, see_other
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


Q = TypeVar("Q", bound=RowsQuery)


@dataclass(frozen=True)
class Table:
    section: Section
    tabs: tuple[Tab, ...]  # the section's tables
    path: str
    template: str
    notices: Mapping[str, str] = field(default_factory=dict)  # an action's outcome, for `{row}`


def lead_to_first(routes: web.RouteTableDef, section: Section, first: str) -> None:
    """The section's own link (`/admin/realty`) leads to its first table."""

    @routes.get(section.link)
    @page(section)
    async def lead(_request: web.Request, _staff: Staff) -> web.Response:
        return see_other(first)


async def table_page(
    request: web.Request,
    staff: Staff,
    table: Table,
    model: type[Q],
    command: Callable[[Q, int, int], Command[Any]],  # (query, offset, limit): a page of rows
    **extra: Any,
) -> web.Response:
    """A table of `table.section` under its tabs: the query read from the URL (`model`), the page of
    rows that `command` asks for (its `items` and `total`), the pager and the notice of the last action."""
    query = filters_of(request, model)
    size = page_size(request)
    found = await request.app[BUS].request(command(query, query.offset(size), size), actor=staff.actor)
    notice = table.notices.get(query.notice or "")
    context = {
        "query": query,
        "rows": found.items,
        **pager(table.path, query, found.total, size),
        "tabs": [{"title": title, "link": path, "current": path == table.path} for title, path in table.tabs],
        "here": query.link(table.path),
        "notice": notice.format(row=query.row) if notice and query.row else None,
        **extra,
    }
    return render(request, table.template, context, staff=staff, section=table.section)


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
