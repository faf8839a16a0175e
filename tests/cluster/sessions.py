"""Signing out as a client does while a NATS node is down (retrying until the edge says 204), and
seeing when each edge refuses the ended session's access token."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import aiohttp

from tests.chaos.clients import Account
from tests.support.eventually import until

LOGOUT_WITHIN_S = 30.0  # longer than the outage: the client keeps trying across the node's return
RETRY_PAUSE_S = 0.5


async def _status(http: aiohttp.ClientSession, method: str, url: str, account: Account) -> str:
    try:
        async with http.request(method, url, headers=account.headers, json={}) as resp:
            await resp.read()
            return str(resp.status)
    except (aiohttp.ClientError, TimeoutError) as exc:
        return type(exc).__name__


async def log_out(http: aiohttp.ClientSession, edge: str, account: Account) -> list[str]:
    """Every answer to the logout, retried until 204 (or 401: the session is already refused)."""
    answers: list[str] = []
    deadline = time.monotonic() + LOGOUT_WITHIN_S
    while time.monotonic() < deadline:
        answers.append(await _status(http, "POST", f"{edge}/api/v1/auth/logout", account))
        if answers[-1] in ("204", "401"):
            break
        await asyncio.sleep(RETRY_PAUSE_S)
    return answers


async def signed_in_on(http: aiohttp.ClientSession, edge: str, account: Account) -> str:
    """How the edge answers the access token (the chat worker trusts what the edge verified)."""
    return await _status(http, "GET", f"{edge}/api/v1/chat/dialogs", account)


async def refused_after(
    http: aiohttp.ClientSession, edges: Sequence[str], account: Account, *, since: float, within_s: float
) -> list[float | None]:
    """Seconds from `since` until each edge answers the token 401, checked on all at once; None if
    an edge still took it `within_s` after this call."""
    offset = time.monotonic() - since

    async def one(edge: str) -> float | None:
        async def refused() -> bool:
            return await signed_in_on(http, edge, account) == "401"

        try:
            return offset + await until(
                refused, within_s=within_s, what=f"logged-out token refused by {edge}"
            )
        except AssertionError:
            return None

    return list(await asyncio.gather(*(one(edge) for edge in edges)))
