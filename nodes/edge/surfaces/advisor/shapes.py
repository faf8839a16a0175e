"""Car advisor's reply shapes: users, chats and messages (alike over REST and the answer stream), and
the `stream_url` a sent message names."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from nodes.edge.kit.names import display_name
from protocols.chat import Author, ChatMessage, Conversation
from protocols.identity import UserProfile

API_BASE = "/api/v1"  # the document's base URL, which the paths it writes are relative to
STREAM_PATH = "/chats/{chat_id}/stream"


class AdvisorUser(BaseModel):
    id: int
    email: str | None
    name: str | None
    role: str
    created_at: datetime


class UserListOut(BaseModel):
    items: list[AdvisorUser]
    total: int
    page: int
    per_page: int


class AdvisorMessage(BaseModel):
    id: int
    chat_id: int
    role: Author
    content: str
    created_at: datetime


class AdvisorChat(BaseModel):
    id: int
    user_id: int
    title: str | None
    created_at: datetime
    updated_at: datetime
    message_count: int
    last_message: AdvisorMessage | None


class ChatListOut(BaseModel):
    items: list[AdvisorChat]
    total: int
    page: int
    per_page: int


class UserChatsOut(BaseModel):
    items: list[AdvisorChat]
    total: int


class HistoryOut(BaseModel):
    items: list[AdvisorMessage]
    has_more: bool


class SentOut(BaseModel):
    user_message: AdvisorMessage
    stream_url: str


def advisor_user(user: UserProfile) -> AdvisorUser:
    return AdvisorUser(
        id=user.id,
        email=user.email,
        name=display_name(user),
        role=user.role.value.upper(),
        created_at=user.created_at,
    )


def advisor_message(message: ChatMessage) -> AdvisorMessage:
    return AdvisorMessage(
        id=message.id,
        chat_id=message.conversation_id,
        role=message.author,
        content=message.body,
        created_at=message.created_at,
    )


def advisor_chat(conversation: Conversation) -> AdvisorChat:
    last = conversation.last_message
    return AdvisorChat(
        id=conversation.id,
        user_id=conversation.created_by,
        title=conversation.title,
        created_at=conversation.created_at,
        updated_at=conversation.updated_at,
        message_count=conversation.last_seq,  # sequence numbers have no gaps
        last_message=advisor_message(last) if last else None,
    )


def stream_url(chat_id: int, message_id: int) -> str:
    return STREAM_PATH.format(chat_id=chat_id) + f"?message_id={message_id}"
