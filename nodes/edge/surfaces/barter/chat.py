"""FreeMarket (seeds/001): its exchange chat's REST endpoints, on the one chat core (protocols.chat).

An exchange chat is a conversation of kind `exchange` whose topic is the exchange id: a bilateral
swap's `mutual_{user_a}_{user_b}_{item_a}_{item_b}` (the document's form) or a chain's `chain_{id}`.
Who is in it comes from the matching domain (`GetExchange`), never from the id: the participants of
an agreed (`active`) or `completed` exchange, two for a swap, all of them for a chain. The chat is
opened lazily (`OpenConversation(reuse=True)`) the first time one of them touches it through any of
these endpoints (a chain's is opened as soon as it is agreed), so the first message over the
WebSocket finds it there. Anyone else, and everyone while a chain is only proposed or once an exchange
is dissolved, gets 404 and nothing is created: a chat is never opened for a user who is not in it,
nor by one. Errors are `{"detail", "status_code", "error_type"}` (`errors.freemarket`).

Choices where the document is silent:

- An id the matching domain does not know, one of an exchange the user is not in, and one of a
  proposed or dissolved exchange all answer 404 "Exchange not found".
- History is a page of the newest messages: `skip` counts from the newest (the newest `limit` after
  skipping `skip`), the page itself is in reading order, oldest first. `total` counts every message
  of the chat, `unread_count` those the caller has not read; reading the history marks nothing read
  (that is `mark-read`).
- `is_read`: for the caller's own message, whether every other participant has read it; for any other
  message, whether the caller has. `delivered_at` is when the message was stored (and sent to every
  connection of its participants). The platform keeps how far each participant has read, not when,
  so `read_at` is null.
- `message_text` is the text; an image sent without text (from another contract's chat) reads as its
  first picture's URL.
- `unread-counts` lists every exchange chat of the caller, those with nothing unread as 0; chats of
  other contracts (an ad dialog, a support thread) are not counted.
- `marked_read` is how many messages were unread before the call (0 when nothing was).
"""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field

from nodes.edge.errors import found_or_none, not_found_says
from nodes.edge.http import SurfaceRoutes, json_response, read_query
from nodes.edge.kit.paging import every_conversation
from nodes.edge.session_http import require_actor
from nodes.edge.state import BUS
from protocols.chat import (
    PAGE_MAX,
    Conversation,
    ConversationKind,
    FindConversation,
    ListMessages,
    MarkRead,
    OpenConversation,
)
from protocols.envelope import Actor, DomainError, ErrorCode
from protocols.fields import PageSize
from protocols.matching import ExchangeStatus, GetExchange

from .errors import SURFACE
from .shapes import HistoryOut, MarkedReadOut, UnreadCountsOut, exchange_message

routes = SurfaceRoutes(SURFACE)
EXCHANGE = ConversationKind.EXCHANGE

# A proposed chain has no chat yet; a dissolved exchange's is closed.
CHATTING = (ExchangeStatus.ACTIVE, ExchangeStatus.COMPLETED)
EXCHANGE_ID_MAX = 120
NOT_FOUND = "Exchange not found"
SKIP_MAX = 1_000_000_000
# Listing a user's exchange chats stops here (a hundred requests of a page each).
CHATS_MAX = 100 * PAGE_MAX


class HistoryQuery(BaseModel):
    skip: int = Field(default=0, ge=0, le=SKIP_MAX, description="Messages to skip, counted from the newest.")
    limit: PageSize = 50


# --- the exchange's chat ---------------------------------------------------------------------------


async def exchange_participants(request: web.Request, actor: Actor, exchange_id: str) -> list[int]:
    """Who takes part in the exchange, when the actor does and it is agreed or completed."""
    if len(exchange_id) > EXCHANGE_ID_MAX:
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    with not_found_says(NOT_FOUND):
        exchange = await request.app[BUS].request(GetExchange(public_id=exchange_id), actor=actor)
    if exchange.status not in CHATTING:
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND)
    return exchange.participant_ids


async def find_chat(request: web.Request, actor: Actor, exchange_id: str) -> Conversation | None:
    cmd = FindConversation(kind=EXCHANGE, topic_id=exchange_id)
    return await found_or_none(request.app[BUS].request(cmd, actor=actor))


async def open_chat(request: web.Request, actor: Actor, exchange_id: str, others: list[int]) -> Conversation:
    cmd = OpenConversation(kind=EXCHANGE, topic_id=exchange_id, with_users=others, reuse=True)
    with not_found_says(NOT_FOUND):  # another participant's account is gone
        return await request.app[BUS].request(cmd, actor=actor)


async def exchange_chat(request: web.Request) -> tuple[Actor, str, Conversation]:
    """The caller, the exchange id of the path, and its chat (opened now if this is its first use),
    when the caller is one of the exchange's participants."""
    actor = require_actor(request)
    exchange_id = request.match_info["exchange_id"]
    people = await exchange_participants(request, actor, exchange_id)
    chat = await find_chat(request, actor, exchange_id)
    if chat is None:
        others = [user for user in people if user != actor.user_id]
        chat = await open_chat(request, actor, exchange_id, others)
    return actor, exchange_id, chat


def unread_by_exchange(chats: list[Conversation]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for chat in chats:
        if chat.topic_id is not None:
            counts[chat.topic_id] = counts.get(chat.topic_id, 0) + chat.unread_count
    return counts


# --- /api/chat -------------------------------------------------------------------------------------


@routes.get("/api/chat/exchange/{exchange_id}/history", query=HistoryQuery, auth=True,
            responses={200: HistoryOut, 400: None, 401: None, 404: None})  # fmt: skip
async def history(request: web.Request) -> web.Response:
    """Get chat history for an exchange: the newest `limit` messages after skipping `skip`, oldest first."""
    query = read_query(request, HistoryQuery)
    actor, exchange_id, chat = await exchange_chat(request)
    cmd = ListMessages(
        conversation_id=chat.id, offset=query.skip, limit=query.limit, conversation_kind=EXCHANGE
    )
    page = await request.app[BUS].request(cmd, actor=actor)
    messages = [exchange_message(m, exchange_id, chat, actor.user_id) for m in page.items]
    return json_response(HistoryOut(messages=messages, total=page.total, unread_count=chat.unread_count))


@routes.get("/api/chat/unread-counts", auth=True, responses={200: UnreadCountsOut, 401: None})
async def unread_counts(request: web.Request) -> web.Response:
    """Get unread message counts for all of the user's exchanges."""
    chats = await every_conversation(request.app[BUS], require_actor(request), EXCHANGE, CHATS_MAX)
    counts = unread_by_exchange(chats.items)
    return json_response(UnreadCountsOut(total_unread=sum(counts.values()), exchanges=counts))


@routes.post("/api/chat/exchange/{exchange_id}/mark-read", auth=True,
             responses={200: MarkedReadOut, 401: None, 404: None})  # fmt: skip
async def mark_read(request: web.Request) -> web.Response:
    """Mark all messages in an exchange as read."""
    actor, exchange_id, chat = await exchange_chat(request)
    await request.app[BUS].request(MarkRead(conversation_id=chat.id, conversation_kind=EXCHANGE), actor=actor)
    return json_response(MarkedReadOut(marked_read=chat.unread_count, exchange_id=exchange_id))
