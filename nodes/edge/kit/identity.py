"""What several contracts' account endpoints ask of the identity worker alike, and how they take its
answers."""

from __future__ import annotations

from aiohttp import web

from nodes.edge.session_http import REFRESH_COOKIE, require_actor
from nodes.edge.state import BUS
from protocols.envelope import DomainError, ErrorCode
from protocols.fields import TOKEN_MAX
from protocols.identity import ChangePassword, Registered, RevokeAllSessions, TokenPair

from .rewording import reworded, when


def registration_tokens(registered: Registered) -> TokenPair:
    """The tokens of a registration that signs in at once."""
    if registered.tokens is None:
        raise DomainError(ErrorCode.INTERNAL, "registration did not sign in")
    return registered.tokens


def refresh_cookie(request: web.Request) -> str | None:
    """The refresh token of the request's cookie, unless it is longer than any token the identity
    worker takes: that is no token of ours, and passed on it would fail the command (a server error)."""
    token = request.cookies.get(REFRESH_COOKIE)
    return token if token and len(token) <= TOKEN_MAX else None


async def replace_password(request: web.Request, old: str, new: str, *, field: str, refused: str) -> None:
    """The caller's password changed; every other session ends. A wrong `old` one is a bad request on
    `field`, worded `refused`: a 401 would tell the client its session ended."""
    wrong = when(ErrorCode.UNAUTHORIZED, ErrorCode.VALIDATION, refused, {"field": field})
    with reworded(wrong):
        await request.app[BUS].request(
            ChangePassword(old_password=old, new_password=new), actor=require_actor(request)
        )


async def revoke_every_session(request: web.Request) -> int:
    """Every session of the caller ends, this one included; how many there were."""
    cmd = RevokeAllSessions(keep_current=False)
    return (await request.app[BUS].request(cmd, actor=require_actor(request))).revoked_count
