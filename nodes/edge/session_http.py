"""What every surface's auth routes share: who the client is, the actor, and token cookies."""

from __future__ import annotations

from aiohttp import web

from protocols.envelope import Actor, DomainError, ErrorCode
from protocols.fields import USER_AGENT_MAX
from protocols.identity import ClientInfo, TokenPair

from .middleware import ACCESS_COOKIE
from .state import ACTOR, SETTINGS

REFRESH_COOKIE = "refresh_token"


def client_ip(request: web.Request) -> str | None:
    if request.app[SETTINGS].edge.trust_forwarded_for:
        forwarded = request.headers.get("X-Forwarded-For", "")
        if forwarded:
            return forwarded.split(",")[0].strip()[:64]
    return request.remote


def client_info(request: web.Request, device: str | None = None) -> ClientInfo:
    agent = request.headers.get("User-Agent")
    return ClientInfo(
        ip=client_ip(request), user_agent=agent[:USER_AGENT_MAX] if agent else None, device=device
    )


def require_actor(request: web.Request) -> Actor:
    actor: Actor | None = request.get(ACTOR)
    if actor is None:
        raise DomainError(ErrorCode.UNAUTHORIZED, "Not authenticated")
    return actor


def set_token_cookies(
    response: web.StreamResponse, request: web.Request, tokens: TokenPair, *, access: bool
) -> None:
    """HttpOnly cookies: the refresh token always (path-limited to nothing narrower: two contracts
    refresh at different paths), the access token where the contract documents it."""
    auth = request.app[SETTINGS].auth
    common = {"httponly": True, "samesite": "Lax", "secure": auth.secure_cookies, "path": "/"}
    response.set_cookie(REFRESH_COOKIE, tokens.refresh_token, max_age=auth.refresh_ttl_s, **common)  # type: ignore[arg-type]
    if access:
        response.set_cookie(ACCESS_COOKIE, tokens.access_token, max_age=auth.access_ttl_s, **common)  # type: ignore[arg-type]


def clear_token_cookies(response: web.StreamResponse) -> None:
    response.del_cookie(REFRESH_COOKIE, path="/")
    response.del_cookie(ACCESS_COOKIE, path="/")
