"""Realty's (003) people and properties as tests make them, through the public surface."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.conftest import Cluster
from tests.support.http import User, bearer, json_of
from tests.support.places import places_loaded

Edge = TestClient[web.Request, web.Application]

# The fewest fields a property needs (the document's words), in Moscow by its address.
PROPERTY = {"deal_format": "sale", "type": "apartment", "location": "г. Москва, ул. Тверская, 1",
            "price": "15000000", "currency": "RUB", "title": "Квартира у Кремля"}  # fmt: skip


async def realty_user(edge: Edge, phone: str, role: str = "user") -> User:
    """Registered, and signed in with the code registration answers (development mode)."""
    body = {"phone": phone, "first_name": "Иван", "last_name": "Иванов", "role": role}
    code = (await json_of(await edge.post("/users/register/", json=body), 200))["code"]
    resp = await edge.post("/users/token", json={"phone": phone, "activation_code": code})
    headers = bearer((await json_of(resp, 200))["access_token"])
    me = await json_of(await edge.get("/users/me/", headers=headers), 200)
    return User(id=me["id"], headers=headers)


async def list_property(cluster: Cluster, edge: Edge, owner: User, **fields: str) -> dict[str, Any]:
    """A property of the owner's (a realtor, an agency or a developer), from a form without files. Its
    place is found by the catalog: its first load is waited out."""
    await places_loaded(cluster.worker_bus)
    resp = await edge.post("/properties/create", data=PROPERTY | fields, headers=owner.headers)
    return await json_of(resp, 200)  # type: ignore[no-any-return]
