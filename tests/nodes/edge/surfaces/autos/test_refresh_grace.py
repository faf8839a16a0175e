"""A refresh token presented again within `[auth] refresh_reuse_grace_s` of its rotation (one client
renewing twice at once, on two edges) gets the same successor and the session lives on; presented once
that successor has been exchanged in turn, it ends the session as a stolen token would. (The suite's
clusters have no grace: test_identity.py's reuse tests see every second presentation end it.)"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace

import pytest

from nodes.runtime.settings import Settings
from tests.conftest import Cluster
from tests.support.http import bearer, json_of

pytestmark = pytest.mark.domains("identity")

REFRESH = "/api/v1/auth/refresh"


@pytest.fixture
def settings_override() -> Callable[[Settings], Settings]:
    return lambda settings: replace(settings, auth=replace(settings.auth, refresh_reuse_grace_s=30.0))


async def test_one_token_renewed_at_once_on_both_edges_keeps_its_session(cluster: Cluster) -> None:
    body = {"email": "twice@example.com", "password": "SecurePass123!"}
    first = await json_of(await cluster.edge_a.post("/api/v1/auth/register", json=body), 201)
    for edge in cluster.edges:
        edge.session.cookie_jar.clear()  # the refresh token goes in the body only
    presented = {"refresh_token": first["refresh_token"]}
    answers = await asyncio.gather(*(cluster.edges[i % 2].post(REFRESH, json=presented) for i in range(10)))
    renewed = [await json_of(answer, 200) for answer in answers]
    successors = {pair["refresh_token"] for pair in renewed}
    assert len(successors) == 1 and first["refresh_token"] not in successors
    for pair in renewed[:2]:  # every access token given out works, on either edge
        me = await cluster.edge_b.get("/api/v1/users/me/sessions", headers=bearer(pair["access_token"]))
        assert (await json_of(me, 200))["total"] == 1

    (successor,) = successors
    later = await json_of(await cluster.edge_b.post(REFRESH, json={"refresh_token": successor}), 200)
    # Its successor exchanged in turn, the first token is only a stolen one now: the session ends.
    stolen = await cluster.edge_a.post(REFRESH, json=presented)
    assert (await json_of(stolen, 401))["detail"]
    assert (await cluster.edge_b.post(REFRESH, json={"refresh_token": later["refresh_token"]})).status == 401
