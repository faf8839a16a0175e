"""Car advisor (002): its chat endpoints, on the one chat core (protocols.chat).

Served under the document's base URL `/api/v1`, each with a bearer token (401 without one):
- `GET /chats` (page, per_page, search), `POST /chats`, `GET|PATCH|DELETE /chats/{chat_id}`;
- `GET /chats/{chat_id}/messages` (limit, before) and `POST /chats/{chat_id}/messages`;
- `GET /users/{user_id}/chats`, for managers (403 for anyone else).

An advisor chat is a conversation of kind `advisor` with the user alone in it; the assistant's answers
are posted into it by a worker (`PostAssistantMessage`). Another user's chat, or the user's own
conversation of another contract (an ad dialog...), answers 404 exactly like a missing one.

Contract choices, where the document names fields but not every shape:
- `Chat` is `{id, user_id, title, created_at, updated_at, message_count, last_message}`; `title` is
  null for a chat created without one; lists are most recently active first.
- `Message` is `{id, chat_id, role, content, created_at}`, `role` one of `"user"`, `"assistant"`,
  `"system"` (the chat's roles, lowercase; not the account role `"USER"` of `User`).
- `per_page` is 1..50 (the document's max), `page` from 1; beyond is 400 `validation_error`.
  `search` matches the title, case-insensitively (the worker's SQLite store folds Latin letters
  only). The manager's list takes the same optional
  `page`/`per_page` (default 100, max 100) and answers `{items, total}` as documented.
- History pages are oldest first: the newest `limit` messages (1..100, default 50) before the message
  `before` (an id from this chat, else 400); `has_more` says older ones exist, so the next page up
  is `before=<the first item's id>`.
- `content` is 1..4000 characters once trimmed: 400 with `details: {"field": "content", "reason":
  "required" | "too_long"}` (the document's example). A user sends at most `MESSAGE_LIMIT` (20 a
  minute, counted across every edge); past it 429 `rate_limited` with `Retry-After`.
- A message sent starts the assistant's answer (`StartAnswer`, the advisor worker's). When the
  assistant is known to be unavailable (its backend down, or no advisor worker answering) the send is
  503 `service_unavailable` with `Retry-After`: the message is kept (it is in the history), and no
  answer to it comes. A resend is a new message.
- DELETE is the document's soft delete: the chat is hidden from its user and answers 404 from then
  on (to its messages too); it stays in the store.
- `stream_url` is `/chats/{chat_id}/stream?message_id={user message id}`, the document's own form,
  relative to the base URL like every path the document writes. The SSE endpoint that streams the
  answer (stream.py) is served at `API_BASE + STREAM_PATH` and at `STREAM_PATH` itself, so the URL
  works whether a client resolves it against the base URL or against the origin.
"""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field

from nodes.edge.http import SurfaceRoutes, json_response, path_int, read_body, read_query
from nodes.edge.kit.rewording import reworded
from nodes.edge.session_http import require_actor
from nodes.edge.state import BUS, LIMITER
from nodes.runtime.ratelimit import Rule
from protocols.advisor import StartAnswer
from protocols.chat import (
    BODY_MAX,
    ConversationKind,
    GetConversation,
    HideConversation,
    ListConversations,
    ListMessages,
    OpenConversation,
    RenameConversation,
    SendMessage,
)
from protocols.fields import INT32_MAX, PAGE_MAX, Cursor, PageSize, Search, Title

from .errors import SURFACE, invalid, no_such_message, unknown_message
from .identity import PAGE_NUMBER_MAX, require_staff
from .shapes import (
    AdvisorChat,
    ChatListOut,
    HistoryOut,
    SentOut,
    UserChatsOut,
    advisor_chat,
    advisor_message,
    stream_url,
)

routes = SurfaceRoutes(SURFACE)

PER_PAGE_MAX = 50  # the document's max: narrower than the platform's page
MESSAGE_LIMIT = Rule("advisor_message_user", limit=20, window_s=60)
NOT_FOUND = "Chat not found"


class ChatListQuery(BaseModel):
    page: int = Field(default=1, ge=1, le=PAGE_NUMBER_MAX)
    per_page: int = Field(default=20, ge=1, le=PER_PAGE_MAX)
    search: Search | None = None


class UserChatsQuery(BaseModel):
    page: int = Field(default=1, ge=1, le=PAGE_NUMBER_MAX)
    per_page: PageSize = PAGE_MAX


class CreateChatBody(BaseModel):
    title: Title | None = None


class RenameChatBody(BaseModel):
    title: Title


class HistoryQuery(BaseModel):
    limit: PageSize = 50
    before: Cursor | None = None


class SendBody(BaseModel):
    content: str | None = None


# --- reading the request ---------------------------------------------------------------------------


def content_of(body: SendBody) -> str:
    content = (body.content or "").strip()
    if not content:
        raise invalid("content", "required", "Message cannot be empty")
    if len(content) > BODY_MAX:
        raise invalid("content", "too_long", f"Message is longer than {BODY_MAX} characters")
    return content


def title_of(body: RenameChatBody) -> str:
    title = body.title.strip()
    if not title:
        raise invalid("title", "required", "Title cannot be empty")
    return title


def message_id_of(before: str) -> int:
    if not (before.isascii() and before.isdigit()):  # not "²", which is a digit but no number
        raise invalid("before", "invalid", "before: not a message id")
    if int(before) > INT32_MAX:  # past every id: asked of the worker, it would fail the command
        raise unknown_message("before")
    return int(before)


# --- talking to the chat worker --------------------------------------------------------------------


ADVISOR = ConversationKind.ADVISOR  # every command names it: another contract's conversation is not found


def list_command(user_id: int | None, search: str | None, page: int, per_page: int) -> ListConversations:
    return ListConversations(
        kind=ConversationKind.ADVISOR,
        user_id=user_id,
        search=search or None,
        offset=(page - 1) * per_page,
        limit=per_page,
    )


# --- chats -----------------------------------------------------------------------------------------


@routes.get(
    "/api/v1/chats", query=ChatListQuery, auth=True, responses={200: ChatListOut, 400: None, 401: None}
)
async def list_chats(request: web.Request) -> web.Response:
    """The current user's chats, most recently active first."""
    actor = require_actor(request)
    query = read_query(request, ChatListQuery)
    cmd = list_command(None, query.search, query.page, query.per_page)
    found = await request.app[BUS].request(cmd, actor=actor)
    items = [advisor_chat(c) for c in found.items]
    return json_response(
        ChatListOut(items=items, total=found.total, page=query.page, per_page=query.per_page)
    )


@routes.post(
    "/api/v1/chats", body=CreateChatBody, auth=True, responses={201: AdvisorChat, 400: None, 401: None}
)
async def create_chat(request: web.Request) -> web.Response:
    """Start a chat with the assistant (the title is optional)."""
    actor = require_actor(request)
    body = await read_body(request, CreateChatBody)
    title = (body.title or "").strip() or None
    cmd = OpenConversation(kind=ConversationKind.ADVISOR, title=title, with_users=[], reuse=False)
    conversation = await request.app[BUS].request(cmd, actor=actor)
    return json_response(advisor_chat(conversation), status=201)


@routes.get("/api/v1/chats/{chat_id}", auth=True, responses={200: AdvisorChat, 401: None, 404: None})
async def get_chat(request: web.Request) -> web.Response:
    """One of the current user's chats."""
    actor = require_actor(request)
    cmd = GetConversation(conversation_id=path_int(request, "chat_id"), conversation_kind=ADVISOR)
    conversation = await request.app[BUS].request(cmd, actor=actor)
    return json_response(advisor_chat(conversation))


@routes.patch(
    "/api/v1/chats/{chat_id}",
    body=RenameChatBody,
    auth=True,
    responses={200: AdvisorChat, 400: None, 401: None, 404: None},
)
async def rename_chat(request: web.Request) -> web.Response:
    """Rename a chat."""
    actor = require_actor(request)
    chat_id = path_int(request, "chat_id")
    title = title_of(await read_body(request, RenameChatBody))
    cmd = RenameConversation(conversation_id=chat_id, title=title, conversation_kind=ADVISOR)
    conversation = await request.app[BUS].request(cmd, actor=actor)
    return json_response(advisor_chat(conversation))


@routes.delete("/api/v1/chats/{chat_id}", auth=True, responses={204: None, 401: None, 404: None})
async def delete_chat(request: web.Request) -> web.Response:
    """Delete a chat (soft: it answers 404 from then on)."""
    actor = require_actor(request)
    chat_id = path_int(request, "chat_id")
    cmd = HideConversation(conversation_id=chat_id, conversation_kind=ADVISOR)
    await request.app[BUS].request(cmd, actor=actor)
    return web.Response(status=204)


# --- messages --------------------------------------------------------------------------------------


@routes.get(
    "/api/v1/chats/{chat_id}/messages",
    query=HistoryQuery,
    auth=True,
    responses={200: HistoryOut, 400: None, 401: None, 404: None},
)
async def list_messages(request: web.Request) -> web.Response:
    """A page of a chat's history, oldest first; `before` (a message id) pages upwards."""
    actor = require_actor(request)
    chat_id = path_int(request, "chat_id")
    query = read_query(request, HistoryQuery)
    before_id = message_id_of(query.before) if query.before else None
    cmd = ListMessages(
        conversation_id=chat_id, before_id=before_id, limit=query.limit, conversation_kind=ADVISOR
    )
    with reworded(no_such_message("before")):
        page = await request.app[BUS].request(cmd, actor=actor)
    return json_response(HistoryOut(items=[advisor_message(m) for m in page.items], has_more=page.has_more))


@routes.post(
    "/api/v1/chats/{chat_id}/messages",
    body=SendBody,
    auth=True,
    responses={201: SentOut, 400: None, 401: None, 404: None, 429: None, 503: None},
)
async def send_message(request: web.Request) -> web.Response:
    """Send the user's message; the assistant's answer streams from `stream_url` (503: the assistant is
    unavailable; the message is kept)."""
    actor = require_actor(request)
    chat_id = path_int(request, "chat_id")
    content = content_of(await read_body(request, SendBody))
    await request.app[LIMITER].hit(MESSAGE_LIMIT, str(actor.user_id))
    bus = request.app[BUS]
    cmd = SendMessage(conversation_id=chat_id, body=content, conversation_kind=ADVISOR)
    stored = await bus.request(cmd, actor=actor)
    message = stored.message
    # `unavailable` (the backend known to be down, or no advisor worker answering) is the 503.
    await bus.request(StartAnswer(conversation_id=chat_id, message_id=message.id), actor=actor)
    out = SentOut(user_message=advisor_message(message), stream_url=stream_url(chat_id, message.id))
    return json_response(out, status=201)


# --- managers --------------------------------------------------------------------------------------


@routes.get(
    "/api/v1/users/{user_id}/chats",
    query=UserChatsQuery,
    auth=True,
    responses={200: UserChatsOut, 400: None, 401: None, 403: None},
)
async def list_user_chats(request: web.Request) -> web.Response:
    """A user's chats (managers only)."""
    actor = require_staff(request)
    user_id = path_int(request, "user_id")
    query = read_query(request, UserChatsQuery)
    cmd = list_command(user_id, None, query.page, query.per_page)
    found = await request.app[BUS].request(cmd, actor=actor)
    return json_response(UserChatsOut(items=[advisor_chat(c) for c in found.items], total=found.total))
