"""Every path answers with and without its trailing slash (issue 14), served at once, never redirected:
a body, a token and a query reach the route declared the other way. A path no route has either way
is still the edge's 404."""

from __future__ import annotations

import pytest

from tests.conftest import Cluster
from tests.support.http import bearer, json_of

pytestmark = [pytest.mark.domains("identity", "catalog"), pytest.mark.database_agnostic]

PASSWORD = "SecurePass123!"


async def test_a_path_declared_with_a_slash_answers_without_it_and_the_other_way_round(
    cluster: Cluster,
) -> None:
    edge = cluster.edge_a
    # Membership Auto's `/api/auth/register/` asked without its slash.
    registered = await edge.post(
        "/api/auth/register", json={"email": "slash@example.com", "password": PASSWORD}, allow_redirects=False
    )
    await json_of(registered, 201)
    # MillionAvto's `/api/v1/auth/login` asked with one.
    login = await edge.post(
        "/api/v1/auth/login/",
        json={"email": "slash@example.com", "password": PASSWORD},
        allow_redirects=False,
    )
    token = (await json_of(login, 200))["access_token"]
    me = await json_of(await edge.get("/api/v1/users/me/", headers=bearer(token), allow_redirects=False), 200)
    assert me["email"] == "slash@example.com"

    # The query goes along: `include_inactive` asks for the admin's list, which a user may not see.
    refused = await edge.get("/api/v1/categories?include_inactive=true", headers=bearer(token))
    assert await json_of(refused, 403) == {"detail": "Admin role required"}
    assert (await edge.get("/ready/")).status == 200


async def test_a_path_without_a_route_either_way_is_not_found(cluster: Cluster) -> None:
    for path in ("/api/v1/nothing", "/api/v1/nothing/", "/api/v1/categories//"):
        missing = await cluster.edge_a.get(path, allow_redirects=False)
        assert missing.status == 404, path
        assert (await missing.json())["detail"], path
    wrong_method = await cluster.edge_a.request("PATCH", "/api/v1/auth/login/", json={})
    assert wrong_method.status in (404, 405)
