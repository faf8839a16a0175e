"""Membership Auto (seeds/004): its support chat's REST endpoints, on the one chat core (protocols.chat).

A chat thread is a conversation of kind `support` that the member starts alone (support staff and
the assistant answer in it); the member's conversations of other kinds (another contract's ad dialog
or exchange chat) are not threads here and answer 404 like a thread that is not theirs. DRF's
conventions as identity.py has them: camelCase fields, plain JSON arrays for lists, `{"error": "..."}`
errors with each offending field listed.

A message is shaped as the document's WebSocket `MESSAGE` shows one (`id`, `threadId`, `body`,
`sender`, `timestamp`), with its `attachments`, so the REST answer and the live one read alike.

Choices where the document is silent:

- Ids are strings, as the document's (`"thread-uuid"`, `"message-uuid"`) are: a thread's and a
  message's id are the platform's numbers written as strings.
- `POST /api/chat/threads/` starts a thread: `subject` is optional, and so is a first message
  (`body`, `attachments`), posted at once when given. It answers 201 with the thread.
- A thread: `id`, `subject`, `createdAt`, `updatedAt`, `lastMessage` (or null), `unreadCount`. The
  list holds every thread of the member, most recently active first.
- `sender` is `"user"` for the member who started the thread, `"support"` for anyone else in it and
  for the assistant, `"system"` for the platform's own notices.
- `GET .../messages/` without `since` answers the newest 100 messages; with `since`, the oldest 100
  written after that time (a time without a zone is UTC). Oldest first either way; when more follow,
  the answer ends before the last instant it reaches, so asking again with the last message's
  `timestamp` as `since` misses nothing. Fetching messages marks them read up to the last one.
- Any other account asking about a thread that is not theirs gets 404 `{"error": "Thread not found"}`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web
from pydantic import Field, field_validator

from nodes.edge.errors import not_found_says
from nodes.edge.http import SurfaceRoutes, path_int, read_body, read_query
from nodes.edge.kit.paging import every_conversation
from nodes.edge.session_http import require_actor
from nodes.edge.state import BUS
from protocols.chat import (
    PAGE_MAX,
    ChatMessage,
    Conversation,
    ConversationKind,
    GetConversation,
    ListMessages,
    MarkRead,
    MessagePage,
    OpenConversation,
    SendMessage,
)
from protocols.envelope import Actor, DomainError, ErrorCode
from protocols.fields import AttachmentUrls, MessageText, Title

from .errors import SURFACE
from .shapes import (
    CamelModel,
    MessageList,
    Thread,
    ThreadList,
    ThreadMessage,
    camel,
    thread_message,
    thread_out,
)

routes = SurfaceRoutes(SURFACE)

NOT_FOUND = "Thread not found"
SUPPORT = ConversationKind.SUPPORT  # every command names it: other contracts' conversations are not found
# Listing a member's threads stops here (ten requests of a page each).
THREADS_MAX = 10 * PAGE_MAX


# --- models ----------------------------------------------------------------------------------------


class ThreadBody(CamelModel):
    subject: Title | None = None
    body: MessageText | None = Field(default=None, description="A first message, if any.")
    attachments: AttachmentUrls = Field(default=[])


class MessageBody(CamelModel):
    body: MessageText = ""
    attachments: AttachmentUrls = Field(default=[])


class MessagesQuery(CamelModel):
    since: datetime | None = Field(default=None, description="Only messages written after this time.")

    @field_validator("since")
    @classmethod
    def in_utc(cls, value: datetime | None) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


# --- threads ---------------------------------------------------------------------------------------


async def support_thread(request: web.Request, actor: Actor) -> Conversation:
    """The thread of the path, when it is a support thread the caller is in."""
    with not_found_says(NOT_FOUND):  # a malformed id is a missing thread too
        cmd = GetConversation(conversation_id=path_int(request, "threadId"), conversation_kind=SUPPORT)
        return await request.app[BUS].request(cmd, actor=actor)


async def post(
    request: web.Request, actor: Actor, thread_id: int, body: str, attachments: list[str]
) -> ChatMessage:
    cmd = SendMessage(
        conversation_id=thread_id, body=body, attachments=attachments, conversation_kind=SUPPORT
    )
    stored = await request.app[BUS].request(cmd, actor=actor)
    return stored.message


async def messages_page(
    request: web.Request, actor: Actor, thread_id: int, since: datetime | None
) -> list[ChatMessage]:
    cmd = ListMessages(conversation_id=thread_id, since=since, limit=PAGE_MAX, conversation_kind=SUPPORT)
    page = await request.app[BUS].request(cmd, actor=actor)
    return whole_instants(page) if since is not None else page.items


def whole_instants(page: MessagePage) -> list[ChatMessage]:
    """A page read forwards, cut before its last instant when more follow: messages stored together
    share their time, and the next `since` (that time) would skip those left out. A page that is all
    one instant is answered whole."""
    if not page.has_more or not page.items:
        return page.items
    last = page.items[-1].created_at
    return [m for m in page.items if m.created_at < last] or page.items


async def read_up_to(
    request: web.Request, actor: Actor, thread: Conversation, messages: list[ChatMessage]
) -> None:
    if messages and messages[-1].seq > thread.read_seq:
        await request.app[BUS].request(
            MarkRead(conversation_id=thread.id, up_to_seq=messages[-1].seq), actor=actor
        )


def empty_message(body: str | None, attachments: list[str]) -> bool:
    return not (body or "").strip() and not attachments


def with_first_message(thread: Conversation, message: ChatMessage) -> Conversation:
    return thread.model_copy(
        update={"last_message": message, "last_seq": message.seq, "read_seq": message.seq,
                "updated_at": message.created_at}
    )  # fmt: skip


# --- /api/chat/threads -----------------------------------------------------------------------------


@routes.get("/api/chat/threads/", auth=True, responses={200: ThreadList, 401: None})
async def list_threads(request: web.Request) -> web.Response:
    """List chat threads: every support thread of the member, most recently active first."""
    threads = await every_conversation(request.app[BUS], require_actor(request), SUPPORT, THREADS_MAX)
    return camel(ThreadList([thread_out(t) for t in threads.items]))


@routes.post("/api/chat/threads/", body=ThreadBody, auth=True, responses={201: Thread, 400: None, 401: None})
async def create_thread(request: web.Request) -> web.Response:
    """Start a support thread, with an optional subject and first message."""
    actor = require_actor(request)
    body = await read_body(request, ThreadBody)
    first = body.body is not None or bool(body.attachments)
    if first and empty_message(body.body, body.attachments):
        raise DomainError(ErrorCode.VALIDATION, "Message is empty", {"field": "body"})
    cmd = OpenConversation(kind=SUPPORT, title=(body.subject or "").strip() or None,
                           with_users=[], reuse=False)  # fmt: skip
    thread = await request.app[BUS].request(cmd, actor=actor)
    if first:
        message = await post(request, actor, thread.id, body.body or "", body.attachments)
        thread = with_first_message(thread, message)
    return camel(thread_out(thread), 201)


@routes.get("/api/chat/threads/{threadId}/messages/", query=MessagesQuery, auth=True,
            responses={200: MessageList, 400: None, 401: None, 404: None})  # fmt: skip
async def get_messages(request: web.Request) -> web.Response:
    """Get messages, oldest first: the newest 100, or with `since` those written after it."""
    actor = require_actor(request)
    query = read_query(request, MessagesQuery)
    thread = await support_thread(request, actor)
    messages = await messages_page(request, actor, thread.id, query.since)
    await read_up_to(request, actor, thread, messages)
    return camel(MessageList([thread_message(m, thread.created_by) for m in messages]))


@routes.post("/api/chat/threads/{threadId}/messages/", body=MessageBody, auth=True,
             responses={201: ThreadMessage, 400: None, 401: None, 404: None})  # fmt: skip
async def send_message(request: web.Request) -> web.Response:
    """Send a message (text, attachments or both) to a thread."""
    actor = require_actor(request)
    body = await read_body(request, MessageBody)
    thread = await support_thread(request, actor)
    message = await post(request, actor, thread.id, body.body, body.attachments)
    return camel(thread_message(message, thread.created_by), 201)
