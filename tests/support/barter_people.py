"""FreeMarket users for the tests of reviews, history and the cabinet: they register over HTTP; their
exchanges come from the market and the matching pipeline (tests/support/exchanges.py) and are
confirmed by every participant, as the document's flow goes."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient

from nodes.runtime.bus import Bus
from protocols.matching import ConfirmExchange
from tests.support.exchanges import user
from tests.support.http import bearer, json_of

Edge = TestClient[web.Request, web.Application]
PASSWORD = "StrongPassword123!"


@dataclass(frozen=True)
class Person:
    id: int
    token: str
    name: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


async def register(edge: Edge, username: str, full_name: str | None = None) -> Person:
    body = {"email": f"{username}@example.com", "password": PASSWORD, "username": username, "city": "Алматы"}
    if full_name is not None:
        body["full_name"] = full_name
    out = await json_of(await edge.post("/auth/register", json=body), 200)
    edge.session.cookie_jar.clear()  # each request says who it is by its own token
    return Person(out["user"]["id"], out["access_token"], full_name or username)


async def error_of(resp: ClientResponse, status: int, error_type: str | None = None) -> str:
    """The contract's error body, with this status (and type); its detail."""
    body = await json_of(resp, status)
    assert set(body) == {"detail", "status_code", "error_type"} and body["status_code"] == status, body
    assert error_type is None or body["error_type"] == error_type, body
    return body["detail"]  # type: ignore[no-any-return]


async def confirm_all(bus: Bus, exchange_id: str, user_ids: list[int]) -> None:
    for user_id in user_ids:
        await bus.request(ConfirmExchange(public_id=exchange_id), actor=user(user_id))
