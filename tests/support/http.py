"""Small helpers for talking to an edge over HTTP in tests."""

from __future__ import annotations

from typing import Any

from aiohttp import ClientResponse


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def json_of(resp: ClientResponse, status: int) -> Any:
    """The JSON body, once the status is the expected one (else the body is in the failure)."""
    assert resp.status == status, (resp.status, await resp.text())
    return await resp.json()
