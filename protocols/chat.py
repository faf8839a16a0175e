"""The chat domain: one conversation model for every contract, messages with per-conversation
sequence numbers, per-participant read state, and what is delivered live to a user's connections.

Conversations are found by id, or by what they are about (`kind` + `topic_id`: the ad, exchange or
property) and who is in them. Only participants see a conversation; anyone else gets `not_found`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, TypeAdapter

from . import fields, subjects
from .envelope import Command, Empty, Message, Role
from .fields import (
    NON_EMPTY,
    AssistantText,
    Attachments,
    ClientMsgId,
    Int32,
    MessageText,
    Offset,
    PageSize,
    ParticipantRoles,
    Positions,
    Search,
    Title,
    TopicId,
    WithUsers,
)

DOMAIN = "chat"

# The limits edges quote most, by the chat domain's names (protocols.fields holds every limit).
BODY_MAX = fields.BODY_MAX
CLIENT_MSG_ID_MAX = fields.CLIENT_MSG_ID_MAX
PAGE_MAX = fields.PAGE_MAX
# ONE_KIND: commands that address one conversation take an optional `conversation_kind`; given, one of
# another kind answers `not_found`, so a contract never reaches another contract's conversations.
# A reconnecting client more than this many messages behind in one conversation is told to resync
# (reload the history over REST) instead of being sent everything it missed.
CATCH_UP_MAX = 200


class ConversationKind(StrEnum):
    AD_DIALOG = "ad_dialog"  # MillionAvto: about an ad, between its seller and a buyer
    EXCHANGE = "exchange"  # FreeMarket: an exchange's participants
    PROPERTY = "property"  # Realty: about a property
    SUPPORT = "support"  # Membership Auto: a support thread
    ADVISOR = "advisor"  # Car advisor: a user with the assistant


class MessageKind(StrEnum):
    TEXT = "text"
    IMAGE = "image"
    SYSTEM = "system"


class Author(StrEnum):
    USER = "user"
    ASSISTANT = "assistant"
    SYSTEM = "system"


class ChatMessage(Message):
    id: Int32
    conversation_id: Int32
    seq: Int32
    sender_id: Int32 | None  # None for the assistant and the system
    author: Author
    kind: MessageKind
    body: str
    attachments: list[str] = Field(default_factory=list)
    client_msg_id: str | None = None
    created_at: datetime


class ReadState(Message):
    """Where one participant has read up to in one conversation."""

    conversation_id: Int32
    user_id: Int32
    read_seq: Int32
    unread_count: int  # for that participant


class ConversationHead(Message):
    """What every view of a conversation tells: what it is about and who is in it."""

    id: Int32
    kind: ConversationKind
    topic_id: str | None
    title: str | None
    created_by: int
    participants: list[Int32]
    created_at: datetime
    updated_at: datetime


class Conversation(ConversationHead):
    """A conversation as the asking participant sees it."""

    last_seq: Int32
    last_message: ChatMessage | None
    read_seq: Int32  # the asking participant's
    unread_count: int  # the asking participant's
    reads: dict[Int32, Int32] = Field(default_factory=dict)  # every participant's read_seq, for read receipts
    blocked_by_me: bool = False
    blocked_me: bool = False
    roles: dict[Int32, str] = Field(
        default_factory=dict
    )  # the parts participants were given when it was opened (buyer, seller…)
    created: bool = False  # in an OpenConversation reply: made now, not found


class ConversationPage(Message):
    items: list[Conversation]
    total: int


class MessagePage(Message):
    items: list[ChatMessage]  # oldest first
    has_more: bool  # older messages exist before the first item
    total: int


class MessageStored(Message):
    message: ChatMessage
    duplicate: bool = False  # a retried send: the message was stored by an earlier attempt
    # Of a new message, for an edge that delivers the sender's copy itself (`sender_copy=False`).
    conversation_kind: ConversationKind | None = None
    topic_id: str | None = None


class UnreadCounts(Message):
    by_conversation: dict[Int32, Int32]
    total: int


class ConversationTopic(Message):
    """What a live `message` delivery tells of its conversation besides the message."""

    conversation_id: Int32
    conversation_kind: ConversationKind
    topic_id: str | None = None


class CaughtUp(Message):
    messages: list[ChatMessage]  # what the client missed, per conversation in sequence order
    resync: list[Int32] = Field(
        default_factory=list
    )  # conversations too far behind: reload their history instead
    topics: list[ConversationTopic] = Field(default_factory=list)  # of each conversation in `messages`


# --- commands --------------------------------------------------------------------------------------


class OpenConversation(Command[Conversation]):
    """Start a conversation between the actor and `with_users`. With `reuse`, the existing one of the
    same kind, topic and participants is returned instead (an ad dialog opened twice is one)."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "open_conversation")
    kind: ConversationKind
    topic_id: TopicId | None = None
    title: Title | None = None
    with_users: WithUsers = Field(default_factory=list)
    roles: ParticipantRoles = Field(default_factory=dict)  # user id -> its part, e.g. "buyer"
    reuse: bool = True


class ListConversations(Command[ConversationPage]):
    """The actor's conversations, most recently active first. Staff may name another `user_id`."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_conversations")
    idempotent: ClassVar[bool] = True
    kind: ConversationKind | None = None
    topic_id: TopicId | None = None
    search: Search | None = None
    user_id: Int32 | None = None
    offset: Offset = 0
    limit: PageSize = 20


class GetConversation(Command[Conversation]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "get_conversation")
    idempotent: ClassVar[bool] = True
    conversation_id: Int32
    conversation_kind: ConversationKind | None = None  # see ONE_KIND


class FindConversation(Command[Conversation]):
    """The actor's conversation of this kind about this topic (FreeMarket's exchange id)."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "find_conversation")
    idempotent: ClassVar[bool] = True
    kind: ConversationKind
    topic_id: TopicId


class RenameConversation(Command[Conversation]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "rename_conversation")
    conversation_id: Int32
    title: Annotated[Title, NON_EMPTY]
    conversation_kind: ConversationKind | None = None  # see ONE_KIND


class HideConversation(Command[Empty]):
    """Removes the conversation from the actor's view (the advisor's soft delete): `not_found` after."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "hide_conversation")
    conversation_id: Int32
    conversation_kind: ConversationKind | None = None  # see ONE_KIND


class SendMessage(Command[MessageStored]):
    """Store a message and deliver it to every participant's connections. A `client_msg_id` makes a
    retry safe: the same id from the same sender in the same conversation is stored once."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "send_message")
    idempotent: ClassVar[bool] = True  # only with client_msg_id; the bus retries, the worker dedupes
    conversation_id: Int32
    body: MessageText = ""
    kind: MessageKind = MessageKind.TEXT
    attachments: Attachments = Field(default_factory=list)
    client_msg_id: ClientMsgId | None = None
    conversation_kind: ConversationKind | None = None  # see ONE_KIND
    # False: the sender's own connections get no copy from the worker; the edge that sent it
    # delivers one itself (see the edge's DeliveryHub.share), sparing it a round trip through NATS.
    sender_copy: bool = True


class PostAssistantMessage(Command[MessageStored]):
    """The assistant's (or the system's) message in a conversation; from workers, not clients."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "post_assistant_message")
    conversation_id: Int32
    body: AssistantText
    author: Author = Author.ASSISTANT


class ListMessages(Command[MessagePage]):
    """A page of history, oldest first: the newest `limit` before `before_seq` (or the newest of
    all), or the oldest `limit` after `after_seq`, or those since a time."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_messages")
    idempotent: ClassVar[bool] = True
    conversation_id: Int32
    before_seq: Int32 | None = Field(default=None, ge=1)
    before_id: Int32 | None = None  # a message id of this conversation; `not_found` if it is not one
    after_seq: Int32 | None = Field(default=None, ge=0)
    since: datetime | None = None
    offset: Offset = 0  # FreeMarket's skip, counted from the newest
    limit: PageSize = 50
    conversation_kind: ConversationKind | None = None  # see ONE_KIND


class MarkRead(Command[ReadState]):
    """Read up to `up_to_seq` (or the message `message_id`, or everything); never moves backwards."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "mark_read")
    conversation_id: Int32
    up_to_seq: Int32 | None = Field(default=None, ge=0)
    message_id: Int32 | None = None
    conversation_kind: ConversationKind | None = None  # see ONE_KIND


class GetUnreadCounts(Command[UnreadCounts]):
    subject: ClassVar[str] = subjects.svc(DOMAIN, "get_unread_counts")
    idempotent: ClassVar[bool] = True
    kind: ConversationKind | None = None


class SetBlocked(Command[Conversation]):
    """Block (or unblock) the other participants of a conversation: their messages are refused."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "set_blocked")
    conversation_id: Int32
    blocked: bool
    conversation_kind: ConversationKind | None = None  # see ONE_KIND


class Typing(Command[Empty]):
    """Tell the other participants the actor is typing; never stored."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "typing")
    conversation_id: Int32
    typing: bool = True


class CatchUp(Command[CaughtUp]):
    """A reconnecting client's last seen sequence number per conversation; answers what it missed."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "catch_up")
    idempotent: ClassVar[bool] = True
    positions: Positions


class Contacts(Message):
    user_ids: list[Int32]


class ListContacts(Command[Contacts]):
    """Everyone who shares a conversation with `user_id` (presence goes only to them); workers only."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_contacts")
    idempotent: ClassVar[bool] = True
    user_id: Int32


# --- staff: reading any conversation -----------------------------------------------------------------
# Admins reach every conversation; managers those of `MANAGER_KINDS` only (any other answers
# `not_found`, and is left out of their lists); anyone else is `forbidden` (`staff_reads`). Reading
# as staff changes nothing: no read position moves, staff join nothing, and no participant hears of it.

MANAGER_KINDS = frozenset({ConversationKind.ADVISOR})


def staff_reads(role: Role) -> tuple[ConversationKind, ...]:
    """The kinds of conversation a role reads as staff (in the kinds' order); none for any other role."""
    if role is Role.ADMIN:
        return tuple(ConversationKind)
    if role is Role.MANAGER:
        return tuple(kind for kind in ConversationKind if kind in MANAGER_KINDS)
    return ()


class StaffConversation(ConversationHead):
    """A conversation as staff see it: who is in it and how much was said, none of it (the messages are
    read with `ReadConversationAsStaff`, which the console records first). `updated_at` is its last
    message's time (or a rename's)."""

    message_count: int


class StaffConversationPage(Message):
    items: list[StaffConversation]
    total: int


class StaffMessagePage(Message):
    conversation: StaffConversation
    items: list[ChatMessage]  # in the order asked for
    total: int


class ListConversationsAsStaff(Command[StaffConversationPage]):
    """Conversations of any participant (`user_id` narrows to one's, hidden ones included), of a `kind`
    if given, the most recently active first."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "list_conversations_as_staff")
    idempotent: ClassVar[bool] = True
    user_id: Int32 | None = None
    kind: ConversationKind | None = None
    offset: Offset = 0
    limit: PageSize = 20


class ReadConversationAsStaff(Command[StaffMessagePage]):
    """A page of a conversation's messages, oldest first (or newest first)."""

    subject: ClassVar[str] = subjects.svc(DOMAIN, "read_conversation_as_staff")
    idempotent: ClassVar[bool] = True
    conversation_id: Int32
    newest_first: bool = False
    offset: Offset = 0
    limit: PageSize = 50


# --- live deliveries on rt.user.<id> ---------------------------------------------------------------


class MessageDelivery(Message):
    type: Literal["message"] = "message"
    message: ChatMessage
    conversation_kind: ConversationKind
    topic_id: str | None = None

    @staticmethod
    def as_json(message: Any, conversation_kind: str, topic_id: str | None) -> dict[str, Any]:
        """The delivery's JSON from a message already in JSON form, for an edge relaying a worker's
        reply without building models on the hot path (see `Bus.request_json`)."""
        return {"type": "message", "message": message, "conversation_kind": conversation_kind,
                "topic_id": topic_id}  # fmt: skip


class ReadDelivery(Message):
    type: Literal["read"] = "read"
    state: ReadState


class TypingDelivery(Message):
    type: Literal["typing"] = "typing"
    conversation_id: Int32
    user_id: Int32
    typing: bool


class ConversationDelivery(Message):
    """A conversation the user was just added to (or whose title changed)."""

    type: Literal["conversation"] = "conversation"
    conversation_id: Int32


Delivery = Annotated[
    MessageDelivery | ReadDelivery | TypingDelivery | ConversationDelivery, Field(discriminator="type")
]
DELIVERY = TypeAdapter(Delivery)
