"""Membership Auto's reply shapes, in DRF's camelCase: members and their tokens, support threads and
their messages (a message as the document's WebSocket `MESSAGE` shows one, over REST too); and the
garage's ids in paths."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, RootModel
from pydantic.alias_generators import to_camel

from nodes.edge.http import json_response
from nodes.edge.kit.names import display_name
from protocols.chat import Author, ChatMessage, Conversation
from protocols.envelope import DomainError, ErrorCode
from protocols.garage_members import Standing
from protocols.identity import UserProfile


class CamelModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


def camel(out: BaseModel, status: int = 200) -> web.Response:
    return json_response(out.model_dump(mode="json", by_alias=True), status=status)


# --- members ---------------------------------------------------------------------------------------


class GarageUser(CamelModel):
    id: str = Field(description="The account's public id (a UUID).")
    name: str | None
    email: str | None
    phone: str | None
    membership_id: str | None
    referral_code: str | None
    rewards_balance: int
    created_at: datetime


class GarageSignedIn(CamelModel):
    access_token: str
    refresh_token: str
    user: GarageUser


class GarageRefreshed(CamelModel):
    access_token: str
    refresh_token: str = Field(description="The rotated refresh token: the one sent no longer works.")


def garage_user(user: UserProfile, standing: Standing | None = None) -> GarageUser:
    """The account, with its membership and rewards as the garage keeps them (a new account has none)."""
    standing = standing or Standing()
    return GarageUser(
        id=user.public_id, name=display_name(user), email=user.email, phone=user.phone,
        membership_id=standing.membership_id, referral_code=user.referral_code,
        rewards_balance=standing.rewards_balance, created_at=user.created_at,
    )  # fmt: skip


def garage_id(value: str, not_found: str) -> str:
    """An id as the garage writes it; anything that is no UUID names nothing there (`not_found`)."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise DomainError(ErrorCode.NOT_FOUND, not_found) from None


def path_uuid(request: web.Request, name: str, not_found: str) -> str:
    return garage_id(request.match_info[name], not_found)


# --- support threads -------------------------------------------------------------------------------

Sender = Literal["user", "support", "system"]


class ThreadMessage(CamelModel):
    id: str
    thread_id: str
    body: str
    attachments: list[str]
    sender: Sender
    timestamp: datetime


class Thread(CamelModel):
    id: str
    subject: str | None
    created_at: datetime
    updated_at: datetime
    last_message: ThreadMessage | None
    unread_count: int


class ThreadList(RootModel[list[Thread]]):
    pass


class MessageList(RootModel[list[ThreadMessage]]):
    pass


def sender_of(message: ChatMessage, member_id: int) -> Sender:
    if message.author is Author.SYSTEM:
        return "system"
    return "user" if message.sender_id == member_id else "support"


def thread_message(message: ChatMessage, member_id: int) -> ThreadMessage:
    return ThreadMessage(
        id=str(message.id), thread_id=str(message.conversation_id), body=message.body,
        attachments=message.attachments, sender=sender_of(message, member_id), timestamp=message.created_at,
    )  # fmt: skip


def thread_out(thread: Conversation) -> Thread:
    last = thread.last_message
    return Thread(
        id=str(thread.id), subject=thread.title, created_at=thread.created_at, updated_at=thread.updated_at,
        last_message=thread_message(last, thread.created_by) if last else None, unread_count=thread.unread_count,
    )  # fmt: skip
