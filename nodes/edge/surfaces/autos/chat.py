"""MillionAvto (000): its chat endpoints under `/api/v1/chat`, on the one chat core (protocols.chat).

A dialog is an ad dialog (`ConversationKind.AD_DIALOG`, its topic the ad id) between the user who
opens it (the buyer) and the ad's seller. The document lists the paths only; its WebSocket section
names the fields, and the REST shapes reuse them so a client reads both alike: a message is
`{id, message_id, dialog_id, sender_id, content, created_at, is_read}` (the live message plus `id`),
a read receipt `{dialog_id, message_id}`.

Choices where the document is silent:

- `POST /dialogs` takes `{"ad_id", "seller_id"?, "message"?}` (`recipient_id` is read as `seller_id`).
  The ad must be active (else 404, as a missing one); its owner is the seller, so `seller_id` may be
  left out, and naming anyone else is a 400. A dialog about one's own ad is refused (400). Opening the
  same dialog again answers the same dialog (always 201, as a FastAPI route with a fixed status
  would); `message`, if given, is sent in it.
- Whoever opens the dialog is its buyer, the ad's owner its seller (kept as the participants' roles).
- Lists are paged with the document's `page` (from 1) and `size` (default 20, max 100) and answer
  fastapi-pagination's `{items, total, page, size, pages}`. Dialogs come most recently active first
  (`ad_id` narrows them to one ad). Messages: page 1 is the newest `size`, each page oldest first.
- `is_read`: the other participant has read the message (on one's own messages, a read receipt).
- `PUT .../messages/{msg_id}/read` marks everything up to that message read; it answers the read
  receipt plus the reader's `unread_count` left in the dialog.
- `block` / `unblock` answer the dialog. While either participant blocks, both sides' messages are
  refused with 403.
- A dialog id names one of the caller's own conversations; anyone else's answers 404 like a
  missing one.
- Errors are FastAPI's `{"detail": ...}`: 422 with the list of `{loc, msg, type}` for a body, query
  or path id that fails its schema (`loc` starts with `body`, `query` or `path`), else the message. A
  message's `content` is 1 to 4000 characters once trimmed.
"""

from __future__ import annotations

from aiohttp import web
from pydantic import AliasChoices, BaseModel, Field

from nodes.edge.http import SurfaceRoutes, json_response
from nodes.edge.kit.chat import BUYER, SELLER, Content
from nodes.edge.kit.fastapi import answers_422, body_of, path_id, query_of
from nodes.edge.session_http import require_actor
from nodes.edge.state import BUS
from protocols.chat import (
    Conversation,
    ConversationKind,
    GetConversation,
    ListConversations,
    ListMessages,
    MarkRead,
    OpenConversation,
    SendMessage,
    SetBlocked,
)
from protocols.envelope import DomainError, ErrorCode
from protocols.fields import Id, PageSize
from protocols.market import GetAd

from .errors import SURFACE
from .shapes import (
    DialogMessageOut,
    DialogMessagePageOut,
    DialogOut,
    DialogPageOut,
    ReadReceiptOut,
    dialog_out,
    message_in,
    message_out,
    page_out,
)

routes = SurfaceRoutes(SURFACE)

PREFIX = "/api/v1/chat/dialogs"
AD_DIALOG = ConversationKind.AD_DIALOG  # every command names it: other contracts' conversations are not found
PAGE_NUMBER_MAX = 1_000_000


class PageQuery(BaseModel):
    page: int = Field(default=1, ge=1, le=PAGE_NUMBER_MAX)
    size: PageSize = 20

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


class DialogsQuery(PageQuery):
    ad_id: Id | None = None


class NewDialogBody(BaseModel):
    ad_id: Id
    seller_id: Id | None = Field(default=None, validation_alias=AliasChoices("seller_id", "recipient_id"))
    message: Content | None = None


class NewMessageBody(BaseModel):
    content: Content


async def _dialog(request: web.Request, dialog_id: int) -> Conversation:
    return await request.app[BUS].request(
        GetConversation(conversation_id=dialog_id, conversation_kind=AD_DIALOG), actor=require_actor(request)
    )


# --- routes ----------------------------------------------------------------------------------------


@routes.get(PREFIX, auth=True, query=DialogsQuery, responses={200: DialogPageOut, 401: None, 422: None})
@answers_422
async def list_dialogs(request: web.Request) -> web.Response:
    """List your dialogs, most recently active first."""
    query = query_of(request, DialogsQuery)
    cmd = ListConversations(
        kind=AD_DIALOG,
        topic_id=None if query.ad_id is None else str(query.ad_id),
        offset=query.offset,
        limit=query.size,
    )
    found = await request.app[BUS].request(cmd, actor=require_actor(request))
    page = page_out(query.page, query.size, found.total)
    return json_response(DialogPageOut(**page.model_dump(), items=[dialog_out(c) for c in found.items]))


@routes.get(PREFIX + "/{id}", auth=True, responses={200: DialogOut, 401: None, 404: None, 422: None})
@answers_422
async def get_dialog(request: web.Request) -> web.Response:
    """Get dialog details."""
    return json_response(dialog_out(await _dialog(request, path_id(request, "id"))))


@routes.post(PREFIX, auth=True, body=NewDialogBody,
             responses={201: DialogOut, 400: None, 401: None, 403: None, 404: None, 422: None})  # fmt: skip
@answers_422
async def create_dialog(request: web.Request) -> web.Response:
    """Open a dialog with an ad's seller (the same one if it exists), with an optional first message."""
    body = await body_of(request, NewDialogBody)
    bus, actor = request.app[BUS], require_actor(request)
    seller = (await bus.request(GetAd(ad_id=body.ad_id), actor=actor)).owner_id
    if seller == actor.user_id:
        raise DomainError(ErrorCode.VALIDATION, "You cannot open a dialog about your own ad")
    if body.seller_id is not None and body.seller_id != seller:
        raise DomainError(ErrorCode.VALIDATION, "seller_id is not this ad's seller")
    cmd = OpenConversation(
        kind=AD_DIALOG,
        topic_id=str(body.ad_id),
        with_users=[seller],
        roles={actor.user_id: BUYER, seller: SELLER},
    )
    dialog = await bus.request(cmd, actor=actor)
    if body.message is not None:
        await bus.request(
            SendMessage(conversation_id=dialog.id, body=body.message, conversation_kind=AD_DIALOG),
            actor=actor,
        )
        dialog = await _dialog(request, dialog.id)
    return json_response(dialog_out(dialog), status=201)


@routes.get(PREFIX + "/{id}/messages", auth=True, query=PageQuery,
            responses={200: DialogMessagePageOut, 401: None, 404: None, 422: None})  # fmt: skip
@answers_422
async def list_messages(request: web.Request) -> web.Response:
    """Get messages in a dialog: page 1 is the newest, each page oldest first."""
    dialog_id, query = path_id(request, "id"), query_of(request, PageQuery)
    dialog = await _dialog(request, dialog_id)
    cmd = ListMessages(
        conversation_id=dialog_id, offset=query.offset, limit=query.size, conversation_kind=AD_DIALOG
    )
    found = await request.app[BUS].request(cmd, actor=require_actor(request))
    page = page_out(query.page, query.size, found.total)
    items = [message_in(dialog, m) for m in found.items]
    return json_response(DialogMessagePageOut(**page.model_dump(), items=items))


@routes.post(PREFIX + "/{id}/messages", auth=True, body=NewMessageBody,
             responses={201: DialogMessageOut, 401: None, 403: None, 404: None, 422: None})  # fmt: skip
@answers_422
async def send_message(request: web.Request) -> web.Response:
    """Send a message; refused (403) while the dialog is blocked."""
    dialog_id = path_id(request, "id")
    body = await body_of(request, NewMessageBody)
    cmd = SendMessage(conversation_id=dialog_id, body=body.content, conversation_kind=AD_DIALOG)
    stored = await request.app[BUS].request(cmd, actor=require_actor(request))
    return json_response(message_out(stored.message, is_read=False), status=201)


@routes.put(PREFIX + "/{id}/messages/{msg_id}/read", auth=True,
            responses={200: ReadReceiptOut, 401: None, 404: None, 422: None})  # fmt: skip
@answers_422
async def mark_read(request: web.Request) -> web.Response:
    """Mark a message (and every one before it) as read."""
    dialog_id, message_id = path_id(request, "id"), path_id(request, "msg_id")
    cmd = MarkRead(conversation_id=dialog_id, message_id=message_id, conversation_kind=AD_DIALOG)
    state = await request.app[BUS].request(cmd, actor=require_actor(request))
    return json_response(
        ReadReceiptOut(dialog_id=dialog_id, message_id=message_id, unread_count=state.unread_count)
    )


async def _set_blocked(request: web.Request, blocked: bool) -> web.Response:
    cmd = SetBlocked(conversation_id=path_id(request, "id"), blocked=blocked, conversation_kind=AD_DIALOG)
    return json_response(dialog_out(await request.app[BUS].request(cmd, actor=require_actor(request))))


BLOCK_RESPONSES: dict[int, type[BaseModel] | None] = {200: DialogOut, 401: None, 404: None, 422: None}


@routes.post(PREFIX + "/{id}/block", auth=True, responses=BLOCK_RESPONSES)
@answers_422
async def block_dialog(request: web.Request) -> web.Response:
    """Block the other user in a dialog: no messages either way until unblocked."""
    return await _set_blocked(request, True)


@routes.post(PREFIX + "/{id}/unblock", auth=True, responses=BLOCK_RESPONSES)
@answers_422
async def unblock_dialog(request: web.Request) -> web.Response:
    """Unblock the other user in a dialog."""
    return await _set_blocked(request, False)
