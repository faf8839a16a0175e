"""Realty (003): its chat endpoints, on the one chat core (protocols.chat).

A chat is a property chat (`ConversationKind.PROPERTY`, its topic the property id) between a buyer
and a seller. Paths are the document's, without a trailing slash; errors are `{"detail": ...}` with
400 for a request that fails its schema, as in the rest of this surface.

Choices where the document is silent:

- `chat/create_chat` takes the document's `{buyer_id, seller_id, property_id}` about an existing
  property (one the caller may see; else 404), between a buyer and the property's owner, the seller.
  The body must agree with the token and the property, never overrides them: `seller_id` other than
  the owner is 400; a caller who is neither the buyer nor the seller is 403; the owner is not his own
  buyer (400). Creating it again, by either of them, answers the same chat (200). The buyer and the
  seller are kept as the participants' roles.
- A chat is `{id, buyer_id, seller_id, property_id, created_at, updated_at, last_message,
  unread_count}`; a message `{id, chat_id, sender_id, content, created_at, is_read}`, where
  `is_read` means the other participant has read it (on one's own messages, a read receipt).
- `chat/my_chats` lists the caller's chats most recently active first; `chat/chat_messages/{chat_id}`
  the chat's messages oldest first. "All" is at most the newest 1000 of either.
- A chat that is not the caller's answers 404 like a missing one; a chat id that is not an integer
  is a 400 (`loc` `["path", "chat_id"]`).
- Messages are sent, and read, over the live connections; these paths never change read state.
"""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel

from nodes.edge.http import SurfaceRoutes, json_response, read_body
from nodes.edge.kit.chat import BUYER, SELLER
from nodes.edge.kit.fastapi import path_id
from nodes.edge.kit.paging import every_conversation
from nodes.edge.session_http import require_actor
from nodes.edge.state import BUS
from nodes.runtime.bus import Bus
from protocols.chat import (
    PAGE_MAX,
    ChatMessage,
    ConversationKind,
    GetConversation,
    ListMessages,
    OpenConversation,
)
from protocols.envelope import Actor, DomainError, ErrorCode
from protocols.fields import Id
from protocols.market_realty import GetProperty

from .errors import SURFACE
from .shapes import ChatListOut, ChatMessageListOut, ChatOut, chat_out, message_out

routes = SurfaceRoutes(SURFACE)

ALL_MAX = 1000
PROPERTY = ConversationKind.PROPERTY  # every command names it: other contracts' conversations are not found


class NewChatBody(BaseModel):
    buyer_id: Id
    seller_id: Id
    property_id: Id


# --- reading every message, a page at a time -------------------------------------------------------


async def all_messages(bus: Bus, actor: Actor, chat_id: int) -> list[ChatMessage]:
    """The newest ALL_MAX messages, oldest first, fetched newest page first."""
    messages: list[ChatMessage] = []
    before: int | None = None
    while len(messages) < ALL_MAX:
        cmd = ListMessages(
            conversation_id=chat_id, before_seq=before, limit=PAGE_MAX, conversation_kind=PROPERTY
        )
        page = await bus.request(cmd, actor=actor)
        messages[:0] = page.items
        if not page.has_more or not page.items:
            break
        before = page.items[0].seq
    return messages[-ALL_MAX:]


# --- routes ----------------------------------------------------------------------------------------


@routes.post("/chat/create_chat", auth=True, body=NewChatBody,
             responses={200: ChatOut, 400: None, 401: None, 403: None, 404: None})  # fmt: skip
async def create_chat(request: web.Request) -> web.Response:
    """Create a chat between a buyer and a seller about a property (the same one again if it exists)."""
    body = await read_body(request, NewChatBody)
    actor = require_actor(request)
    bus = request.app[BUS]
    owner = (await bus.request(GetProperty(property_id=body.property_id), actor=actor)).owner_id
    if body.seller_id != owner:
        raise DomainError(ErrorCode.VALIDATION, "seller_id must be the property's owner")
    if body.buyer_id == owner:
        raise DomainError(ErrorCode.VALIDATION, "The property's owner cannot be its buyer")
    if actor.user_id not in (body.buyer_id, body.seller_id):
        raise DomainError(ErrorCode.FORBIDDEN, "You can only create a chat you take part in")
    other = body.seller_id if actor.user_id == body.buyer_id else body.buyer_id
    cmd = OpenConversation(
        kind=PROPERTY, topic_id=str(body.property_id), with_users=[other],
        roles={body.buyer_id: BUYER, body.seller_id: SELLER},
    )  # fmt: skip
    return json_response(chat_out(await bus.request(cmd, actor=actor)))


@routes.get("/chat/my_chats", auth=True, responses={200: ChatListOut, 401: None})
async def my_chats(request: web.Request) -> web.Response:
    """All of the current user's chats, most recently active first."""
    chats = await every_conversation(request.app[BUS], require_actor(request), PROPERTY, ALL_MAX)
    return json_response(ChatListOut([chat_out(c) for c in chats.items]))


@routes.get("/chat/chat_messages/{chat_id}", auth=True,
            responses={200: ChatMessageListOut, 400: None, 401: None, 404: None})  # fmt: skip
async def chat_messages(request: web.Request) -> web.Response:
    """All messages of a chat, oldest first."""
    chat_id, actor = path_id(request, "chat_id"), require_actor(request)
    bus = request.app[BUS]
    chat = await bus.request(
        GetConversation(conversation_id=chat_id, conversation_kind=PROPERTY), actor=actor
    )
    messages = await all_messages(bus, actor, chat_id)
    return json_response(ChatMessageListOut([message_out(m, chat) for m in messages]))
