"""Car advisor (002) end to end, on SQLite and PostgreSQL, with the default rule-based backend: a buyer
creates a chat, posts a request, opens its `stream_url` and receives the answer as it is written (text
chunks, then the recommended cars, then the stored message and `done`); the cars satisfy the request
and are the marketplace's own (priced by its active ads, or by the references' price new). Follow-ups
narrow it: "а с полным приводом?", "а подешевле?", "только автомат". The history holds every answer
whole, as streamed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from nodes.edge.surfaces.advisor.shapes import API_BASE
from nodes.runtime.settings import Settings
from tests.conftest import Cluster
from tests.support.ads import approve
from tests.support.http import User, bearer, json_of
from tests.support.sse import SseStream

pytestmark = pytest.mark.domains("identity", "chat", "catalog", "market", "advisor")


@pytest.fixture
def settings_override() -> Callable[[Settings], Settings]:
    """The default settings: the rule-based advisor (this folder's other tests script an LLM server)."""
    return lambda settings: settings


Edge = TestClient[web.Request, web.Application]
PASSWORD = "securePassword123"
BUDGET = 3_000_000
TWO_PEDALS = {"automatic", "robot", "cvt"}


async def register(edge: Edge, email: str) -> tuple[User, str]:
    resp = await edge.post(
        "/api/v1/auth/register", json={"email": email, "password": PASSWORD, "name": "Buyer"}
    )
    body = await json_of(resp, 201)
    edge.session.cookie_jar.clear()  # what follows is authenticated by the bearer token alone
    return User(id=body["user"]["id"], headers=bearer(body["access_token"])), body["access_token"]


async def car_named(edge: Edge, query: str, model: str, **facts: Any) -> dict[str, Any]:
    """The first car of the search with that model and those facts (`drive="awd"`...)."""
    found = await json_of(await edge.get(f"{API_BASE}/cars?{query}&per_page=50"), 200)
    return next(c for c in found["items"] if c["model"] == model and facts.items() <= c.items())


async def list_for_sale(cluster: Cluster, seller: User, car: dict[str, Any], price: int) -> None:
    ad = {
        "category_id": 1, "title": f"{car['brand']} {car['model']}", "price": price, "year": 2022,
        "mileage": 30_000, "brand_id": car["brand_id"], "model_id": car["model_id"],
        "generation_id": car["generation_id"], "modification_id": car["id"],
    }  # fmt: skip
    created = await json_of(await cluster.edge_a.post("/api/v1/ads/", json=ad, headers=seller.headers), 201)
    await approve(cluster.worker_bus, created["id"])


async def ask(cluster: Cluster, user: User, token: str, chat_id: int, content: str) -> list[dict[str, Any]]:
    """Post a message and read its stream to the end: the events."""
    url = f"{API_BASE}/chats/{chat_id}/messages"
    sent = await json_of(await cluster.edge_a.post(url, json={"content": content}, headers=user.headers), 201)
    stream = await SseStream.open(cluster.edge_b, API_BASE + sent["stream_url"], token=token)
    assert stream.status == 200
    events = await stream.rest(within_s=10)
    kinds = [e["type"] for e in events]
    assert kinds[-2:] == ["message", "done"] and kinds.count("cars") == 1, kinds
    chunks = [e for e in events if e["type"] == "chunk"]
    assert chunks and kinds.index("cars") > kinds.index("chunk"), kinds
    answer = events[-2]["message"]
    assert answer["role"] == "assistant" and answer["content"] == "".join(c["text"] for c in chunks)
    assert all(c["message_id"] == sent["user_message"]["id"] for c in chunks)
    return events


def cars_of(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return next(e["cars"] for e in events if e["type"] == "cars")


async def test_a_buyer_is_answered_with_cars_for_sale_and_follow_ups_narrow_it(cluster: Cluster) -> None:
    seller, _ = await register(cluster.edge_a, "seller@example.com")
    outlander = await car_named(cluster.edge_a, "body_type=crossover&seats=7", "Outlander")
    tiggo = await car_named(cluster.edge_a, "body_type=crossover&seats=7", "Tiggo 8 Pro")
    tiggo_4wd = await car_named(cluster.edge_a, "body_type=crossover&seats=7", "Tiggo 8 Pro Max", drive="awd")
    prado = await car_named(cluster.edge_a, "body_type=suv&seats=7", "Land Cruiser Prado")
    for car, price in ((outlander, 2_200_000), (outlander, 2_600_000), (tiggo, 1_900_000),
                       (tiggo_4wd, 2_800_000), (prado, 3_500_000)):  # fmt: skip
        await list_for_sale(cluster, seller, car, price)

    buyer, token = await register(cluster.edge_b, "buyer@example.com")
    chat = await json_of(await cluster.edge_a.post(f"{API_BASE}/chats", json={}, headers=buyer.headers), 201)

    first = cars_of(await ask(cluster, buyer, token, chat["id"], "Ищу кроссовер до 3 млн, 7 мест"))
    assert {c["id"] for c in first} >= {outlander["id"], tiggo["id"], tiggo_4wd["id"]}
    for car in first:
        assert car["body_type"] == "crossover" and car["seats"] >= 7 and car["price_min"] <= BUDGET, car
    shown = next(c for c in first if c["id"] == outlander["id"])
    assert (shown["price_source"], shown["price_min"], shown["price_max"], shown["ads_count"]) == (
        "ads", 2_200_000, 2_600_000, 2,
    )  # fmt: skip

    awd = cars_of(await ask(cluster, buyer, token, chat["id"], "а с полным приводом?"))
    assert {c["id"] for c in awd} == {outlander["id"], tiggo_4wd["id"]}  # the front-driven Tiggo is gone

    history = await json_of(
        await cluster.edge_a.get(f"{API_BASE}/chats/{chat['id']}/messages", headers=buyer.headers), 200
    )
    assert [m["role"] for m in history["items"]] == ["user", "assistant"] * 2


@pytest.mark.database_agnostic  # the reading of follow-ups; the flow above runs on both databases
async def test_cheaper_then_automatic_only_narrow_what_was_shown(cluster: Cluster) -> None:
    seller, _ = await register(cluster.edge_a, "dealer@example.com")
    for brand, model, facts, price in (
        ("Kia", "Sportage", {"transmission": "automatic", "drive": "fwd"}, 2_600_000),
        ("Hyundai", "Tucson", {"transmission": "automatic", "drive": "fwd"}, 2_400_000),
        ("Toyota", "RAV4", {"transmission": "automatic"}, 2_900_000),
        ("Hyundai", "Creta", {"transmission": "manual", "drive": "fwd"}, 1_150_000),
        ("Hyundai", "Creta", {"transmission": "automatic", "drive": "fwd"}, 1_350_000),
        ("Kia", "Seltos", {"transmission": "automatic"}, 1_250_000),
        ("Renault", "Duster", {"transmission": "manual", "drive": "fwd"}, 1_100_000),
        ("Haval", "Jolion", {"transmission": "robot", "drive": "fwd"}, 1_000_000),
    ):
        query = f"body_type=crossover&min_year=2021&brand={brand}"
        await list_for_sale(cluster, seller, await car_named(cluster.edge_a, query, model, **facts), price)
    buyer, token = await register(cluster.edge_b, "narrow@example.com")
    chat = await json_of(await cluster.edge_a.post(f"{API_BASE}/chats", json={}, headers=buyer.headers), 201)

    crossovers = cars_of(await ask(cluster, buyer, token, chat["id"], "Подберите кроссовер до 3 млн"))
    assert crossovers and all(c["body_type"] == "crossover" and c["price_min"] <= BUDGET for c in crossovers)
    cheapest = min(c["price_min"] for c in crossovers)

    cheaper = cars_of(await ask(cluster, buyer, token, chat["id"], "а подешевле?"))
    assert cheaper and all(c["body_type"] == "crossover" and c["price_min"] < cheapest for c in cheaper)
    assert any(c["transmission"] == "manual" for c in cheaper)  # so that "only automatic" has work to do

    automatic = cars_of(await ask(cluster, buyer, token, chat["id"], "только автомат"))
    assert automatic and all(c["transmission"] in TWO_PEDALS and c["price_min"] < cheapest for c in automatic)
