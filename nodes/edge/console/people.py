"""Who the ids on a page are: each user's name as staff read it (full name, else username, else email),
asked of identity once per distinct id; an account since deleted has none."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from aiohttp import web

from nodes.edge.state import BUS
from protocols.envelope import DomainError, ErrorCode
from protocols.identity import GetUser, UserProfile


async def _user(request: web.Request, user_id: int) -> UserProfile | None:
    try:
        return await request.app[BUS].request(GetUser(user_id=user_id))
    except DomainError as exc:
        if exc.code is not ErrorCode.NOT_FOUND:
            raise
        return None


async def names_of(request: web.Request, user_ids: Iterable[int | None]) -> dict[int, str]:
    ids = sorted({user_id for user_id in user_ids if user_id is not None})
    users = await asyncio.gather(*(_user(request, user_id) for user_id in ids))
    return {
        user.id: user.full_name or user.username or user.email or f"#{user.id}"
        for user in users
        if user is not None
    }
