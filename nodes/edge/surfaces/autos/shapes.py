"""MillionAvto's reply shapes: accounts and sessions (with the `/api/v1/auth` paths' union of both
contracts' fields), and chat dialogs, whose messages the REST and the WebSocket answers share."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, Field

from nodes.edge.http import json_response
from nodes.edge.kit.chat import buyer_of, other_participant, read_by_other, topic_number
from nodes.edge.kit.fastapi import unprocessable
from nodes.edge.kit.names import display_name
from protocols.chat import ChatMessage, Conversation
from protocols.fields import PageSize
from protocols.identity import SessionInfo, TokenPair, UserProfile
from protocols.market import Ad

# --- accounts --------------------------------------------------------------------------------------


class SharedUser(BaseModel):
    id: int
    email: str | None
    full_name: str | None
    name: str | None
    phone: str | None
    role: str
    is_active: bool
    is_verified: bool
    created_at: datetime


class TokensOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class SignedInOut(TokensOut):
    user: SharedUser


class MessageOut(BaseModel):
    message: str


class AutosUser(BaseModel):
    id: int
    email: str | None
    full_name: str | None
    phone: str | None
    role: str
    is_active: bool
    is_verified: bool
    created_at: datetime
    updated_at: datetime
    last_login_at: datetime | None


class VerifiedOut(MessageOut):
    user: AutosUser


class SessionOut(BaseModel):
    id: str
    device: str | None
    ip_address: str | None
    user_agent: str | None
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    is_current: bool


class SessionListOut(BaseModel):
    sessions: list[SessionOut]
    total: int


class RevokedOut(MessageOut):
    revoked_count: int


def shared_user(user: UserProfile) -> SharedUser:
    name = display_name(user)
    return SharedUser(
        id=user.id, email=user.email, full_name=name, name=name, phone=user.phone, role=user.role.value.upper(),
        is_active=user.is_active, is_verified=user.email_verified, created_at=user.created_at,
    )  # fmt: skip


def autos_user(user: UserProfile) -> AutosUser:
    return AutosUser(
        id=user.id, email=user.email, full_name=display_name(user), phone=user.phone, role=user.role.value.upper(),
        is_active=user.is_active, is_verified=user.email_verified, created_at=user.created_at,
        updated_at=user.updated_at, last_login_at=user.last_login_at,
    )  # fmt: skip


def tokens_out(tokens: TokenPair) -> TokensOut:
    return TokensOut(
        access_token=tokens.access_token, refresh_token=tokens.refresh_token, expires_in=tokens.expires_in
    )


def session_out(session: SessionInfo) -> SessionOut:
    return SessionOut(
        id=session.id, device=session.device, ip_address=session.ip, user_agent=session.user_agent,
        created_at=session.created_at, last_used_at=session.last_used_at, expires_at=session.expires_at,
        is_current=session.current,
    )  # fmt: skip


# --- dialogs ---------------------------------------------------------------------------------------


class DialogMessageOut(BaseModel):
    id: int
    message_id: int = Field(description="The same as `id`, as the WebSocket message names it.")
    dialog_id: int
    sender_id: int | None
    content: str
    created_at: datetime
    is_read: bool = Field(description="The other participant has read it.")


class DialogOut(BaseModel):
    id: int
    ad_id: int | None
    buyer_id: int
    seller_id: int | None
    last_message: DialogMessageOut | None
    unread_count: int
    is_blocked: bool = Field(description="Either participant blocks the dialog: messages are refused.")
    blocked_by_me: bool
    created_at: datetime
    updated_at: datetime


class PageOut(BaseModel):
    total: int
    page: int
    size: int
    pages: int


class DialogPageOut(PageOut):
    items: list[DialogOut]


class DialogMessagePageOut(PageOut):
    items: list[DialogMessageOut]


class ReadReceiptOut(BaseModel):
    dialog_id: int
    message_id: int
    unread_count: int = Field(description="The reader's unread messages left in the dialog.")


def message_out(message: ChatMessage, *, is_read: bool) -> DialogMessageOut:
    return DialogMessageOut(
        id=message.id, message_id=message.id, dialog_id=message.conversation_id, sender_id=message.sender_id,
        content=message.body, created_at=message.created_at, is_read=is_read,
    )  # fmt: skip


def message_in(conversation: Conversation, message: ChatMessage) -> DialogMessageOut:
    return message_out(message, is_read=read_by_other(message, conversation))


def dialog_out(conversation: Conversation) -> DialogOut:
    c, last = conversation, conversation.last_message
    return DialogOut(
        id=c.id, ad_id=topic_number(c), buyer_id=buyer_of(c), seller_id=other_participant(c, buyer_of(c)),
        last_message=message_in(c, last) if last is not None else None, unread_count=c.unread_count,
        is_blocked=c.blocked_by_me or c.blocked_me, blocked_by_me=c.blocked_by_me, created_at=c.created_at,
        updated_at=c.updated_at,
    )  # fmt: skip


def page_out(page: int, size: int, total: int) -> PageOut:
    return PageOut(total=total, page=page, size=size, pages=math.ceil(total / size))


# --- pages of ads, banners and reports (FastAPI's page, without `pages`) ---------------------------

PAGE_LAST = 10**6  # pages past this are never asked for; it keeps the offset a 32-bit integer


class Paging(BaseModel):
    page: int = 1
    size: PageSize = 20


class AdPageOut(BaseModel):
    items: list[Ad]
    total: int
    page: int
    size: int


def offset_of(query: Paging) -> int:
    if not 1 <= query.page <= PAGE_LAST:
        message = f"page: from 1 to {PAGE_LAST}"
        raise unprocessable("query", [{"type": "value_error", "loc": ["page"], "msg": message}], message)
    return (query.page - 1) * query.size


def paged(found: dict[str, Any], query: Paging) -> web.Response:
    return json_response({"items": found["items"], "total": found["total"], "page": query.page,
                          "size": query.size})  # fmt: skip
