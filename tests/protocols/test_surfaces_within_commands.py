"""What a contract's surface lets through, the command it sends takes too: a value past a command's
field types fails the command at the edge, which answered a server error. The cases found, one per
contract; every other request field uses the command's own type (test_fields.py)."""

from __future__ import annotations

import pytest

from protocols.fields import INT32_MAX, TOKEN_MAX
from tests.conftest import Cluster
from tests.support.http import bearer, json_of

pytestmark = pytest.mark.domains("identity", "chat")

PASSWORD = "SecurePass123!"


async def register(cluster: Cluster, email: str) -> dict[str, str]:
    resp = await cluster.edge_a.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
    signed = await json_of(resp, 201)
    cluster.edge_a.session.cookie_jar.clear()  # what follows names its cookies itself
    return {"access_token": signed["access_token"], "refresh_token": signed["refresh_token"]}


async def test_advisor_history_before_past_every_id_is_no_message_of_the_chat(cluster: Cluster) -> None:
    """`before` is text; a number past the 32-bit ids failed `ListMessages`, as did a digit that is no
    number ("²"). Both are the document's 400 on the field, like any id that is not one of the chat's."""
    headers = bearer((await register(cluster, "before@example.com"))["access_token"])
    chat = await json_of(await cluster.edge_a.post("/api/v1/chats", json={}, headers=headers), 201)
    url = f"/api/v1/chats/{chat['id']}/messages"
    no_message = "before: no such message in this chat"
    for before, message in (
        (str(INT32_MAX + 1), no_message),
        ("9" * 32, no_message),
        ("0", no_message),
        ("²", "before: not a message id"),
    ):
        body = await json_of(await cluster.edge_a.get(url, params={"before": before}, headers=headers), 400)
        details = {"field": "before", "reason": "invalid"}
        assert body == {"error": {"code": "validation_error", "message": message, "details": details}}, before


async def test_autos_refresh_cookie_longer_than_any_token_is_no_token(cluster: Cluster) -> None:
    """The refresh token may come in a cookie, which no request schema bounds: one longer than
    `Refresh` takes failed the command. It is no token of ours, as FreeMarket already took it."""
    tokens = await register(cluster, "cookie@example.com")
    too_long = {"refresh_token": "x" * (TOKEN_MAX + 1)}
    refused = await cluster.edge_a.post("/api/v1/auth/refresh", cookies=too_long)
    body = await json_of(refused, 401)
    assert body["error"]["code"] == "unauthorized" and body["detail"] == body["error"]["message"]
    # Logging out with it ends the access token's session, as without a cookie.
    out = await cluster.edge_a.post(
        "/api/v1/auth/logout", cookies=too_long, headers=bearer(tokens["access_token"])
    )
    assert out.status == 204
    again = await cluster.edge_a.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    await json_of(again, 401)
