"""FreeMarket's reply shapes: users and sign-ins, exchange chat messages (alike over REST, WebSocket
and SSE), and notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from protocols.chat import ChatMessage, Conversation, MessageKind
from protocols.identity import UserProfile
from protocols.matching_reviews import Standing
from protocols.notify import Notification

# --- users -----------------------------------------------------------------------------------------


class HealthOut(BaseModel):
    status: str
    message: str


class RootOut(BaseModel):
    message: str
    version: str


class UserCreatedOut(BaseModel):
    id: int
    username: str | None
    email: str | None
    full_name: str | None
    telegram_contact: str | None
    city: str | None
    bio: str | None
    is_active: bool
    created_at: datetime


class UserOut(UserCreatedOut):
    trust_score: float
    exchange_count: int
    rating_avg: float
    is_verified: bool
    email_verified: bool
    phone_verified: bool
    updated_at: datetime
    last_login_at: datetime | None
    last_active_at: datetime | None
    telegram_id: int | None
    telegram_username: str | None
    telegram_first_name: str | None


class LocationsOut(BaseModel):
    id: int
    locations: list[str]
    message: str


class RegisteredUserOut(BaseModel):
    id: int
    username: str | None
    email: str | None
    full_name: str | None
    telegram_contact: str | None
    city: str | None
    is_active: bool
    is_verified: bool
    email_verified: bool
    phone_verified: bool
    created_at: datetime


class AccessOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class RegisteredOut(AccessOut):
    user: RegisteredUserOut


class LoginUserOut(BaseModel):
    id: int
    username: str | None
    email: str | None


class LoggedInOut(AccessOut):
    user: LoginUserOut


class MessageOut(BaseModel):
    message: str


class RevokedOut(MessageOut):
    revoked_count: int


class MeOut(BaseModel):
    user: UserOut | None
    authenticated: bool


class ProfileUserOut(BaseModel):
    id: int
    username: str | None
    full_name: str | None
    city: str | None


class ProfileUpdatedOut(MessageOut):
    user: ProfileUserOut


def is_verified(user: UserProfile) -> bool:
    return user.email_verified or user.phone_verified


def user_created(user: UserProfile) -> UserCreatedOut:
    return UserCreatedOut.model_validate(user.model_dump())


def user_out(user: UserProfile, standing: Standing | None) -> UserOut:
    """The user with his standing in the matching domain (None: it did not answer; see identity.py).
    No Telegram sign-in exists, so its fields are always empty."""
    return UserOut(
        **user_created(user).model_dump(),
        trust_score=standing.trust_score if standing else 0.0,
        exchange_count=standing.exchanges_completed if standing else 0,
        rating_avg=standing.average_rating if standing else 0.0,
        is_verified=is_verified(user),
        email_verified=user.email_verified,
        phone_verified=user.phone_verified,
        updated_at=user.updated_at,
        last_login_at=user.last_login_at,
        last_active_at=user.last_login_at,
        telegram_id=None,
        telegram_username=None,
        telegram_first_name=None,
    )


def registered_user(user: UserProfile) -> RegisteredUserOut:
    return RegisteredUserOut(
        id=user.id, username=user.username, email=user.email, full_name=user.full_name,
        telegram_contact=user.telegram_contact, city=user.city, is_active=user.is_active,
        is_verified=is_verified(user), email_verified=user.email_verified, phone_verified=user.phone_verified,
        created_at=user.created_at,
    )  # fmt: skip


# --- exchange chat messages ------------------------------------------------------------------------

MessageType = Literal["TEXT", "IMAGE", "SYSTEM"]
MESSAGE_TYPES: dict[MessageKind, MessageType] = {
    MessageKind.TEXT: "TEXT",
    MessageKind.IMAGE: "IMAGE",
    MessageKind.SYSTEM: "SYSTEM",
}


class ExchangeMessageOut(BaseModel):
    id: int
    exchange_id: str
    sender_id: int | None = Field(description="Null for a system message.")
    message_text: str
    message_type: MessageType
    is_read: bool
    delivered_at: datetime
    read_at: datetime | None = Field(description="Always null: read positions are kept, not read times.")
    created_at: datetime


class HistoryOut(BaseModel):
    messages: list[ExchangeMessageOut] = Field(description="Oldest first.")
    total: int
    unread_count: int


class UnreadCountsOut(BaseModel):
    total_unread: int
    exchanges: dict[str, int]


class MarkedReadOut(BaseModel):
    marked_read: int
    exchange_id: str


def is_read(message: ChatMessage, chat: Conversation, viewer: int) -> bool:
    if message.sender_id != viewer:
        return chat.read_seq >= message.seq
    others = [user for user in chat.participants if user != viewer]
    return all(chat.reads.get(user, 0) >= message.seq for user in others)


def message_text(message: ChatMessage) -> str:
    if not message.body and message.kind is MessageKind.IMAGE and message.attachments:
        return message.attachments[0]
    return message.body


def exchange_message(
    message: ChatMessage, exchange_id: str, chat: Conversation, viewer: int
) -> ExchangeMessageOut:
    return ExchangeMessageOut(
        id=message.id, exchange_id=exchange_id, sender_id=message.sender_id, message_text=message_text(message),
        message_type=MESSAGE_TYPES[message.kind], is_read=is_read(message, chat, viewer),
        delivered_at=message.created_at, read_at=None, created_at=message.created_at,
    )  # fmt: skip


# --- notifications ---------------------------------------------------------------------------------


class NotificationOut(BaseModel):
    id: int
    user_id: int
    type: str
    title: str
    message: str
    payload: dict[str, Any]
    read: bool
    created_at: datetime


class NotificationListOut(BaseModel):
    notifications: list[NotificationOut]
    count: int


class MarkedOut(BaseModel):
    notification_id: int
    status: Literal["read"] = "read"


def notification_out(item: Notification) -> NotificationOut:
    return NotificationOut.model_validate(item.model_dump())
