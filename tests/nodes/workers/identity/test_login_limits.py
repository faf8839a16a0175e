"""The login limit per account counts every password guess at the account, whichever identifier named
it (email or username) and whichever contract carried it; an identifier that names no account is
counted by itself and answered alike — through HTTP on both edges."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from aiohttp import ClientResponse

from nodes.runtime.settings import Settings
from tests.conftest import Cluster
from tests.support.http import json_of

pytestmark = pytest.mark.domains("identity")

PASSWORD = "StrongPassword123!"
WRONG = "NotThePassword456!"
LIMIT = 3


@pytest.fixture
def settings_override() -> Callable[[Settings], Settings]:
    def override(settings: Settings) -> Settings:
        return replace(settings, limits=replace(settings.limits, login_per_account=LIMIT))

    return override


async def register(cluster: Cluster, username: str) -> None:
    body = {"email": f"{username}@example.com", "username": username, "password": PASSWORD}
    await json_of(await cluster.edge_a.post("/auth/register", json=body), 200)


async def barter_login(cluster: Cluster, identifier: str, password: str, edge: int = 0) -> ClientResponse:
    """FreeMarket's login: its `username` field takes a username or an email."""
    return await cluster.edges[edge].post("/auth/login", json={"username": identifier, "password": password})


async def autos_login(cluster: Cluster, email: str, password: str, edge: int = 0) -> ClientResponse:
    return await cluster.edges[edge].post("/api/v1/auth/login", json={"email": email, "password": password})


async def refused(resp: ClientResponse) -> dict[str, Any]:
    """The body of a 401."""
    return await json_of(resp, 401)  # type: ignore[no-any-return]


async def limited(resp: ClientResponse, error_type: str = "rate_limit_exceeded") -> dict[str, Any]:
    """The body of FreeMarket's 429, which says when to try again."""
    body: dict[str, Any] = await json_of(resp, 429)
    assert body["status_code"] == 429 and body["error_type"] == error_type, body
    assert 1 <= int(resp.headers["Retry-After"]) <= 900
    return body


async def test_wrong_passwords_by_email_use_up_the_budget_of_a_sign_in_by_username(cluster: Cluster) -> None:
    await register(cluster, "ann")
    for n in range(LIMIT):
        await refused(await barter_login(cluster, "ann@example.com", WRONG, edge=n % 2))
    await limited(await barter_login(cluster, "ann", PASSWORD))  # the right password, too late
    await limited(await barter_login(cluster, "ANN@example.com", PASSWORD, edge=1))


async def test_one_budget_per_account_across_contracts_and_identifiers(cluster: Cluster) -> None:
    await register(cluster, "bob")
    await refused(await autos_login(cluster, "bob@example.com", WRONG))
    await refused(await barter_login(cluster, "bob", WRONG, edge=1))
    await refused(await autos_login(cluster, "Bob@Example.com", WRONG, edge=1))
    resp = await autos_login(cluster, "bob@example.com", PASSWORD)
    body = await json_of(resp, 429)
    assert body["error"]["code"] == "rate_limited" and int(resp.headers["Retry-After"]) >= 1
    await limited(await barter_login(cluster, "bob", PASSWORD))
    # Another account keeps its own budget.
    await register(cluster, "cid")
    await json_of(await barter_login(cluster, "cid", PASSWORD), 200)


async def test_an_identifier_of_no_account_is_counted_by_itself_and_answered_alike(cluster: Cluster) -> None:
    await register(cluster, "dan")
    known: list[dict[str, Any]] = []
    unknown: list[dict[str, Any]] = []
    for _ in range(LIMIT):
        known.append(await refused(await barter_login(cluster, "dan@example.com", WRONG)))
        unknown.append(await refused(await barter_login(cluster, "nobody@example.com", WRONG)))
    assert known == unknown
    assert await limited(await barter_login(cluster, "dan", WRONG)) == await limited(
        await barter_login(cluster, "nobody@example.com", WRONG)
    )
    # Guesses at an identifier that names no account leave other identifiers their own budget.
    await refused(await barter_login(cluster, "nobody", WRONG))
