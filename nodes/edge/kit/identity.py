"""What several contracts' account endpoints ask of the identity worker alike, and how they take its
answers."""

from __future__ import annotations

from aiohttp import web

from nodes.edge.session_http import require_actor
from nodes.edge.state import BUS
from protocols.envelope import DomainError, ErrorCode
from protocols.identity import ChangePassword, Registered, RevokeAllSessions, TokenPair

from .rewording import reworded, when


def registration_tokens(registered: Registered) -> TokenPair:
    """The tokens of a registration that signs in at once."""
    if registered.tokens is None:
        raise DomainError(ErrorCode.INTERNAL, "registration did not sign in")
    return registered.tokens


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
