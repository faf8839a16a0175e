"""Chat monitoring (admins and managers), MillionAvto's "view dialogs and messages" and the advisor's
manager views of a user's chats, on the chat worker's staff commands (it decides who reads what:
admins every kind of conversation, managers advisor chats only, any other answering as missing).

- `GET /admin/chats?user=&kind=&page=`: conversations, the most recently active first, with their
  participants and how many messages they hold; never a message's text (reading one is recorded).
- `GET /admin/chats/{id}?order=oldest|newest&page=`: a page of its messages. The reading is written to
  the audit log (READ_CHAT) before the page is sent; one that cannot be recorded shows nothing. Staff
  reading a conversation neither join it nor move anyone's unread count.
"""

from __future__ import annotations

from enum import StrEnum

from aiohttp import web

from nodes.edge.state import BUS
from protocols.chat import ConversationKind, ListConversationsAsStaff, ReadConversationAsStaff, staff_reads
from protocols.envelope import DomainError
from protocols.fields import Id
from protocols.moderation import LogAction

from .pages import error_page, filters_of, page, page_size, render
from .people import names_of
from .sections import CHATS
from .session import Staff
from .tables import TableQuery, pager
from .trail import record

routes = web.RouteTableDef()

LIST = "/admin/chats"
UNRECORDED = (
    "This reading could not be recorded in the audit log, so the conversation is not shown; try again."
)


class Order(StrEnum):
    OLDEST = "oldest"
    NEWEST = "newest"


class ChatsQuery(TableQuery):
    user: Id | None = None
    kind: ConversationKind | None = None


class ReadingQuery(TableQuery):
    order: Order = Order.OLDEST


def attachment_href(attachment: str) -> str | None:
    """An attachment is a link if it is a web address or a path of this site; else only its name."""
    if attachment.startswith(("https://", "http://")) or (
        attachment.startswith("/") and not attachment.startswith(("//", "/\\"))
    ):
        return attachment
    return None


@routes.get(LIST)
@page(CHATS)
async def conversations(request: web.Request, staff: Staff) -> web.Response:
    query = filters_of(request, ChatsQuery)
    size = page_size(request)
    cmd = ListConversationsAsStaff(user_id=query.user, kind=query.kind, offset=query.offset(size), limit=size)
    found = await request.app[BUS].request(cmd, actor=staff.actor)
    context = {
        "query": query,
        "conversations": found.items,
        **pager(LIST, query, found.total, size),
        "kinds": staff_reads(staff.actor.role),  # what the chat worker lets this role read
        "user_link": lambda user_id: query.link(LIST, user=user_id, page=1),
        "names": await names_of(request, (user_id for chat in found.items for user_id in chat.participants)),
    }
    return render(request, "chats.html", context, staff=staff, section=CHATS)


@routes.get(LIST + r"/{conversation_id:\d{1,9}}")
@page(CHATS)
async def conversation(request: web.Request, staff: Staff) -> web.Response:
    conversation_id = int(request.match_info["conversation_id"])
    query = filters_of(request, ReadingQuery)
    size = page_size(request)
    cmd = ReadConversationAsStaff(conversation_id=conversation_id, newest_first=query.order is Order.NEWEST,
                                  offset=query.offset(size), limit=size)  # fmt: skip
    found = await request.app[BUS].request(cmd, actor=staff.actor)
    read = found.conversation
    details = {"kind": read.kind.value, "participants": ",".join(map(str, read.participants)),
               "page": query.page, "order": query.order.value, "messages": len(found.items)}  # fmt: skip
    try:  # before anything of it leaves the edge: nothing is shown unrecorded
        await record(request, staff, LogAction.READ_CHAT, ("conversation", read.id), details, done=False)
    except DomainError:
        return error_page(request, 503, UNRECORDED, staff)
    path = f"{LIST}/{read.id}"
    context = {
        "query": query,
        "conversation": read,
        "messages": found.items,
        **pager(path, query, found.total, size),
        "orders": {order: query.link(path, order=order.value, page=1) for order in Order},
        "names": await names_of(request, [*read.participants, *(m.sender_id for m in found.items)]),
        "href_of": attachment_href,
    }
    return render(request, "chat.html", context, staff=staff, section=CHATS)
