"""Realty's reply shapes: users (the role as its Russian label), and property chats and their
messages, alike over REST and the WebSocket."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, RootModel

from nodes.edge.kit.chat import buyer_of, other_participant, read_by_other, topic_number
from protocols.chat import ChatMessage, Conversation
from protocols.envelope import Role
from protocols.identity import REALTY_PROFILE_FIELDS, UserProfile

ROLE_LABELS: dict[Role, str] = {
    Role.USER: "Пользователь",
    Role.REALTOR: "Риелтор",
    Role.DEVELOPER: "Застройщик",
    Role.AGENCY: "Агентство",
    # Not chosen through Realty, but such an account may still sign in here.
    Role.DEALER: "Дилер",
    Role.MODERATOR: "Модератор",
    Role.MANAGER: "Менеджер",
    Role.ADMIN: "Администратор",
    Role.SYSTEM: "Система",
}
NOTIFICATION_FIELDS = tuple(name for name in REALTY_PROFILE_FIELDS if name.startswith("notifications_"))
TEXT_ATTRIBUTES = tuple(name for name in REALTY_PROFILE_FIELDS if name not in NOTIFICATION_FIELDS)


# --- users -----------------------------------------------------------------------------------------


class MessageOut(BaseModel):
    message: str


class CodeMessageOut(MessageOut):
    code: str | None = Field(default=None, description="The SMS code; only present in development mode.")


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"


class RealtyUserOut(BaseModel):
    id: int
    first_name: str | None
    last_name: str | None
    middle_name: str | None
    phone: str | None
    email: str | None
    city: str | None
    role: str = Field(description="Russian label: Пользователь, Риелтор, Застройщик or Агентство.")
    sex: str | None
    user_type: str | None
    whatsapp: str | None
    telegram: str | None
    viber: str | None
    zoom: str | None
    prop_city: str | None
    prop_offer: str | None
    prop_type: str | None
    prop_state: str | None
    about: str | None
    notifications_all_messages: bool
    notifications_new_matches: bool
    notifications_responses: bool
    notifications_contacts: bool
    notifications_news: bool
    avatar: str | None = Field(description="URL of the avatar image.")
    licenses: str | None = Field(description="URL of the license image.")
    is_active: bool
    created_at: datetime


class UserUpdatedOut(MessageOut):
    user: RealtyUserOut


class UserListOut(RootModel[list[RealtyUserOut]]):
    pass


def _text(user: UserProfile, name: str) -> str | None:
    value = user.attributes.get(name)
    return value if isinstance(value, str) else None


def _flag(user: UserProfile, name: str) -> bool:
    value = user.attributes.get(name)
    return value if isinstance(value, bool) else True


def user_out(user: UserProfile) -> RealtyUserOut:
    return RealtyUserOut(
        id=user.id,
        first_name=user.first_name,
        last_name=user.last_name,
        phone=user.phone,
        email=user.email,
        city=user.city,
        role=ROLE_LABELS.get(user.role, user.role.value),
        avatar=user.avatar_url,
        licenses=user.licenses_url,
        is_active=user.is_active,
        created_at=user.created_at,
        **{name: _text(user, name) for name in TEXT_ATTRIBUTES},
        **{name: _flag(user, name) for name in NOTIFICATION_FIELDS},
    )


# --- chats -----------------------------------------------------------------------------------------


class ChatMessageOut(BaseModel):
    id: int
    chat_id: int
    sender_id: int | None
    content: str
    created_at: datetime
    is_read: bool = Field(description="The other participant has read it.")


class ChatOut(BaseModel):
    id: int
    buyer_id: int
    seller_id: int | None
    property_id: int | None
    created_at: datetime
    updated_at: datetime
    last_message: ChatMessageOut | None
    unread_count: int


class ChatListOut(RootModel[list[ChatOut]]):
    pass


class ChatMessageListOut(RootModel[list[ChatMessageOut]]):
    pass


def message_out(message: ChatMessage, chat: Conversation) -> ChatMessageOut:
    return ChatMessageOut(
        id=message.id, chat_id=message.conversation_id, sender_id=message.sender_id, content=message.body,
        created_at=message.created_at, is_read=read_by_other(message, chat),
    )  # fmt: skip


def chat_out(chat: Conversation) -> ChatOut:
    buyer, last = buyer_of(chat), chat.last_message
    return ChatOut(
        id=chat.id, buyer_id=buyer, seller_id=other_participant(chat, buyer), property_id=topic_number(chat),
        created_at=chat.created_at, updated_at=chat.updated_at,
        last_message=message_out(last, chat) if last is not None else None, unread_count=chat.unread_count,
    )  # fmt: skip
