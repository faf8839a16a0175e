"""Small helpers for talking to an edge over HTTP in tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import ClientResponse

from protocols.envelope import Actor, Role


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def json_of(resp: ClientResponse, status: int) -> Any:
    """The JSON body, once the status is the expected one (else the body is in the failure)."""
    assert resp.status == status, (resp.status, await resp.text())
    return await resp.json()


@dataclass(frozen=True)
class User:
    """A signed-up user as a test holds it: its id and the headers carrying its access token."""

    id: int
    headers: dict[str, str]

    @property
    def actor(self) -> Actor:
        """The same user speaking over NATS directly, as an edge would on its behalf."""
        return Actor(user_id=self.id, role=Role.USER)
