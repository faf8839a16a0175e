"""Limits per client address and per account, shared by every edge, and password hashes that follow
the configured parameters — through HTTP, across both edges."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from nodes.runtime.settings import Settings
from storage.engine import create_engine, session_factory
from storage.models.identity import User
from tests.conftest import Cluster
from tests.support.http import json_of

pytestmark = pytest.mark.domains("identity")

PASSWORD = "SecurePass123!"
IP_LIMIT = 5


@pytest.fixture
def settings_override() -> Callable[[Settings], Settings]:
    def override(settings: Settings) -> Settings:
        return replace(
            settings,
            edge=replace(settings.edge, trust_forwarded_for=True),
            limits=replace(settings.limits, login_per_ip=IP_LIMIT, register_per_ip=IP_LIMIT),
        )

    return override


def from_ip(ip: str) -> dict[str, str]:
    return {"X-Forwarded-For": ip}


async def test_logins_from_one_address_are_limited_whichever_account_and_edge(cluster: Cluster) -> None:
    for n in range(2):
        body = {"email": f"acct{n}@example.com", "password": PASSWORD}
        await json_of(
            await cluster.edge_a.post("/api/v1/auth/register", json=body, headers=from_ip("10.0.0.9")), 201
        )
    statuses = []
    for n in range(IP_LIMIT + 1):
        body = {"email": f"acct{n % 2}@example.com", "password": PASSWORD}
        resp = await cluster.edges[n % 2].post("/api/v1/auth/login", json=body, headers=from_ip("10.0.0.1"))
        statuses.append(resp.status)
    assert statuses == [200] * IP_LIMIT + [429]
    # Another address is not held up by the first one's budget.
    body = {"email": "acct0@example.com", "password": PASSWORD}
    assert (
        await cluster.edge_b.post("/api/v1/auth/login", json=body, headers=from_ip("10.0.0.2"))
    ).status == 200


async def test_registrations_from_one_address_are_limited(cluster: Cluster) -> None:
    statuses = []
    for n in range(IP_LIMIT + 1):
        body = {"email": f"new{n}@example.com", "password": PASSWORD}
        resp = await cluster.edges[n % 2].post(
            "/api/v1/auth/register", json=body, headers=from_ip("10.0.0.3")
        )
        statuses.append(resp.status)
    assert statuses == [201] * IP_LIMIT + [429]
    assert int(resp.headers["Retry-After"]) >= 1
    # The refused registration created nothing: the address is free for someone else.
    body = {"email": f"new{IP_LIMIT}@example.com", "password": PASSWORD}
    assert (
        await cluster.edge_a.post("/api/v1/auth/register", json=body, headers=from_ip("10.0.0.4"))
    ).status == 201


async def test_a_hash_made_with_old_parameters_is_upgraded_at_sign_in(cluster: Cluster) -> None:
    body = {"email": "legacy@example.com", "password": PASSWORD}
    user = await json_of(await cluster.edge_a.post("/api/v1/auth/register", json=body), 201)
    engine = create_engine(cluster.settings.database.url)
    db = session_factory(engine)
    legacy = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    try:
        async with db() as session:
            await session.execute(
                update(User).where(User.id == user["user"]["id"]).values(password_hash=legacy)
            )
            await session.commit()
        await json_of(await cluster.edge_b.post("/api/v1/auth/login", json=body), 200)
        async with db() as session:
            stored = await session.scalar(select(User.password_hash).where(User.id == user["user"]["id"]))
    finally:
        await engine.dispose()
    assert stored is not None and stored != legacy
    auth = cluster.settings.auth
    configured = f"$argon2id$v=19$m={auth.password_memory_kib},t={auth.password_time_cost},p=1$"
    assert stored.startswith(configured)
    await json_of(await cluster.edge_a.post("/api/v1/auth/login", json=body), 200)
