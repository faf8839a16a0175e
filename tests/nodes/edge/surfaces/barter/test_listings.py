"""FreeMarket's wants and offers through HTTP: the document's flows (create-by-categories, create, the
lists with paging and sorting, the atomic PATCH at both paths), the place taken from the owner's
profile, the event each write publishes, bad input answered in the contract's format with nothing
stored, foreign lists and forged `user_id`s refused, the write limit, and no barter item among
MillionAvto's ads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from nodes.runtime.settings import Settings
from protocols.envelope import Actor, decode_data, decode_request
from protocols.market_barter import BarterItemsChanged, GetBarterItems
from tests.conftest import Cluster
from tests.support.eventually import until
from tests.support.http import User, bearer, json_of
from tests.support.places import places_loaded

pytestmark = pytest.mark.domains("identity", "catalog", "market")

PASSWORD = "SecurePass123!"
WRITE_LIMIT = 12
CREATE_BY_CATEGORIES = {  # the document's example
    "wants": {
        "PERMANENT": [
            {"item_name": "Учебник по Python", "value_tenge": 15000, "description": "Ищу для изучения"}
        ],
        "TEMPORARY": [
            {
                "item_name": "Электросамокат",
                "value_tenge": 5000,
                "duration_days": 3,
                "description": "На выходные",
            }
        ],
    },
    "offers": {
        "PERMANENT": [{"item_name": "Книга по JS", "value_tenge": 12000, "description": "Могу отдать"}]
    },
}
PATCH = {  # the document's example, less the items it removes (they are this test's own)
    "wants": {
        "electronics": [{"item_name": "iPad Pro", "value_tenge": 400000, "exchange_type": "PERMANENT",
                         "description": "Хочу планшет для работы"}],
        "transport": [{"item_name": "аренда велосипеда", "value_tenge": 25000, "exchange_type": "TEMPORARY",
                       "duration_days": 14, "description": "Нужен на выходные"}],
    },
    "offers": {"books": [{"item_name": "учебники по Python", "value_tenge": 15000, "exchange_type": "PERMANENT",
                          "description": "Книги в хорошем состоянии"}]},
}  # fmt: skip
LISTED_FIELDS = {"id", "title", "description", "user_id", "exchange_type", "created_at", "item_type", "item_name",
                 "value_tenge", "duration_days", "category", "listing_id", "status"}  # fmt: skip


@pytest.fixture
def settings_override() -> Callable[[Settings], Settings]:
    return lambda settings: replace(
        settings, barter=replace(settings.barter, write_limit=WRITE_LIMIT, write_window_s=3600)
    )


async def sign_up(cluster: Cluster, name: str, city: str | None) -> User:
    await places_loaded(cluster.worker_bus)  # a first write asks the catalog for the owner's city
    body = {"username": name, "email": f"{name}@example.com", "password": PASSWORD, "city": city}
    out = await json_of(await cluster.edge_a.post("/auth/register", json=body), 200)
    return User(out["user"]["id"], bearer(out["access_token"]))


def error(status: int, error_type: str, detail: str | None = None) -> Callable[[dict[str, Any]], bool]:
    def matches(body: dict[str, Any]) -> bool:
        return (
            body["status_code"] == status
            and body["error_type"] == error_type
            and (detail is None or body["detail"] == detail)
            and set(body) == {"detail", "status_code", "error_type"}
        )

    return matches


async def test_listings_flow(cluster: Cluster) -> None:
    ann = await sign_up(cluster, "ann", "Алматы")
    bob = await sign_up(cluster, "bob", "Нигде")
    edge_a, edge_b = cluster.edges
    events: list[BarterItemsChanged] = []

    async def heard(msg: Any) -> None:
        events.append(decode_data(BarterItemsChanged, decode_request(msg.data).data))

    await cluster.worker_bus.subscribe(BarterItemsChanged.subject, heard)

    created = await json_of(
        await edge_a.post(
            "/api/listings/create-by-categories", json=CREATE_BY_CATEGORIES, headers=ann.headers
        ),
        201,
    )
    assert created["user_id"] == ann.id and set(created) == {"id", "user_id", "created_at", "listings"}
    assert [(i["item_type"], i["exchange_type"], i["item_name"], i["value_tenge"], i["duration_days"])
            for i in created["listings"]] == [
        ("WANT", "PERMANENT", "Учебник по Python", 15000, None),
        ("WANT", "TEMPORARY", "Электросамокат", 5000, 3),
        ("OFFER", "PERMANENT", "Книга по JS", 12000, None),
    ]  # fmt: skip
    list_id = created["id"]
    python_book, scooter, js_book = (item["id"] for item in created["listings"])

    single = {"item_type": "OFFER", "exchange_type": "TEMPORARY", "item_name": "Дрель Bosch", "value_tenge": 8000,
              "duration_days": 2, "description": "На пару дней", "category": "tools"}  # fmt: skip
    drill = await json_of(await edge_b.post("/api/listings/create", json=single, headers=ann.headers), 201)
    assert drill["user_id"] == ann.id and drill["listing_id"] == list_id and drill["category"] == "tools"
    assert drill["item_type"] == "OFFER" and drill["description"] == "На пару дней"
    bobs = await json_of(
        await edge_a.post(
            "/api/listings/create",
            json={
                "item_type": "WANT",
                "exchange_type": "PERMANENT",
                "item_name": "Книга по JS",
                "value_tenge": 11000,
            },
            headers=bob.headers,
        ),
        201,
    )
    assert bobs["listing_id"] != list_id

    # The place: Ann's city is the catalog's Almaty; Bob's is nowhere the catalog knows.
    placed = await cluster.worker_bus.request(
        GetBarterItems(item_ids=[python_book, bobs["id"]]), actor=Actor.system()
    )
    anns, bobs_item = placed.items
    assert anns.city == "Алматы" and anns.latitude is not None and abs(anns.latitude - 43.25) < 0.1
    assert bobs_item.city == "Нигде" and bobs_item.latitude is None and bobs_item.longitude is None

    wants = await json_of(await edge_a.get("/api/listings/wants"), 200)
    assert [w["item_name"] for w in wants] == ["Книга по JS", "Электросамокат", "Учебник по Python"]
    assert (
        set(wants[0]) == LISTED_FIELDS
        and wants[0]["title"] == "Книга по JS"
        and wants[0]["user_id"] == bob.id
    )
    by_value = await json_of(await edge_a.get("/api/listings/offers?sort=value&order=asc"), 200)
    assert [o["value_tenge"] for o in by_value] == [8000, 12000]
    paged = await json_of(await edge_b.get("/api/listings/wants?skip=1&limit=1&sort=name&order=asc"), 200)
    assert [w["item_name"] for w in paged] == ["Учебник по Python"]
    of_ann = await json_of(await edge_b.get(f"/api/listings/user/{ann.id}"), 200)
    assert len(of_ann) == 4 and {item["user_id"] for item in of_ann} == {ann.id}

    patched = await json_of(
        await edge_a.patch(f"/api/listings/{list_id}?user_id={ann.id}", json=PATCH | {"remove_items": [scooter]},
                           headers=ann.headers),
        200,
    )  # fmt: skip
    assert patched == {
        "status": "success", "listing_id": list_id, "user_id": ann.id, "items_added": 3, "items_removed": 1,
        "current_counts": {"wants": 3, "offers": 3},
        "message": "Listing updated successfully with incremental matching triggered",
    }  # fmt: skip
    # The document's curl example names no exchange type: the category's own (electronics: both, so
    # PERMANENT; lessons: TEMPORARY only).
    untyped = {"wants": {"electronics": [{"item_name": "MacBook", "value_tenge": 600000}]},
               "offers": {"lessons": [{"item_name": "Уроки гитары", "value_tenge": 5000, "duration_days": 30}]},
               "remove_items": [python_book]}  # fmt: skip
    again = await edge_b.patch(f"/listings/{list_id}", json=untyped, headers=ann.headers)
    assert (await json_of(again, 200))["current_counts"] == {"wants": 3, "offers": 4}

    mine = await json_of(await edge_a.get("/user/listings?sort=created&order=asc", headers=ann.headers), 200)
    assert len(mine) == 9 and {item["listing_id"] for item in mine} == {list_id}
    assert {item["id"]: item["status"] for item in mine}[scooter] == "archived"
    tablet = next(item for item in mine if item["item_name"] == "iPad Pro")
    assert tablet["category"] == "electronics" and tablet["exchange_type"] == "PERMANENT"
    kinds = {item["item_name"]: (item["exchange_type"], item["item_type"]) for item in mine}
    assert kinds["MacBook"] == ("PERMANENT", "WANT") and kinds["Уроки гитары"] == ("TEMPORARY", "OFFER")
    public = await json_of(await edge_b.get(f"/api/listings/user/{ann.id}?limit=100"), 200)
    assert len(public) == 7 and scooter not in {item["id"] for item in public}
    assert js_book in {item["id"] for item in public}

    # Each write told matching which items changed, after its commit.
    def told() -> set[int]:
        return {item for event in events for item in event.item_ids}

    async def every_write_heard() -> bool:
        heard = told()
        return scooter in heard and python_book in heard and len(events) >= 5

    await until(every_write_heard, within_s=5.0, what="the writes' events")
    assert {event.owner_id for event in events} == {ann.id, bob.id}
    assert {item["id"] for item in mine} | {bobs["id"]} == told()

    # Barter items are never MillionAvto's ads.
    assert (await edge_a.get(f"/api/v1/ads/{python_book}")).status == 404
    my_ads = await json_of(await edge_a.get("/api/v1/ads/my/ads", headers=ann.headers), 200)
    assert my_ads["total"] == 0 and my_ads["items"] == []
    assert (await json_of(await edge_a.get("/api/v1/ads/"), 200))["total"] == 0


async def test_bad_input_and_foreign_lists_change_nothing(cluster: Cluster) -> None:
    ann = await sign_up(cluster, "ann", "Astana")
    eve = await sign_up(cluster, "eve", None)
    edge = cluster.edge_a
    one = {"offers": {"PERMANENT": [{"item_name": "Гитара", "value_tenge": 30000}]}}
    created = await json_of(
        await edge.post("/api/listings/create-by-categories", json=one, headers=ann.headers), 201
    )
    list_id, guitar = created["id"], created["listings"][0]["id"]
    eves = await json_of(
        await edge.post("/api/listings/create-by-categories", json=one, headers=eve.headers), 201
    )
    eves_guitar = eves["listings"][0]["id"]

    def item(**fields: Any) -> dict[str, Any]:
        return {"item_name": "Палатка", "value_tenge": 10000} | fields

    bad_creates = [
        {"wants": {"TEMPORARY": [item()]}},  # no duration
        {"wants": {"PERMANENT": [item(duration_days=3)]}},  # a duration for good
        {"wants": {"PERMANENT": [item(value_tenge=-1)]}},
        {"wants": {"PERMANENT": [item(category="spaceships")]}},
        {"wants": {"PERMANENT": [item(category="bicycles", item_name="")]}},
        {"wants": {"PERMANENT": [item()] * 51}},
        {"wants": {"FOREVER": [item()]}},
        {"wants": {}, "offers": {}},
    ]
    for body in bad_creates:
        refused = await edge.post("/api/listings/create-by-categories", json=body, headers=eve.headers)
        assert error(400, "validation_error")(await json_of(refused, 400)), body
    single = {"item_type": "WANT", "exchange_type": "TEMPORARY", "item_name": "Палатка", "value_tenge": 1}
    assert error(400, "validation_error")(
        await json_of(await edge.post("/api/listings/create", json=single, headers=eve.headers), 400)
    )
    assert error(401, "authentication_error")(
        await json_of(await edge.post("/api/listings/create-by-categories", json=one), 401)
    )

    adds = {"wants": {"tourism": [item(exchange_type="TEMPORARY", duration_days=7)]}}
    bad_patches = [
        (f"/api/listings/{list_id}", adds | {"remove_items": [eves_guitar]}, ann, 404),  # not in the list
        (f"/api/listings/{list_id}", adds, eve, 404),  # not her list
        (f"/api/listings/{list_id}?user_id={ann.id}", adds, eve, 403),  # a forged user_id
        (f"/listings/{list_id}?user_id={eve.id}", adds, ann, 403),
        (
            f"/api/listings/{list_id}",
            {"wants": {"lessons": [item()]}},
            ann,
            400,
        ),  # lessons: TEMPORARY only
        (f"/api/listings/{list_id}", {"wants": {"Bad Slug": [item()]}}, ann, 400),
        (f"/api/listings/{list_id}", {"wants": {"books": [item()] * 51}}, ann, 400),
        (f"/api/listings/{list_id}", adds | {"remove_items": [guitar, 0]}, ann, 400),
        ("/api/listings/999999", adds, ann, 404),
    ]
    for path, body, who, status in bad_patches:
        answer = await json_of(await edge.patch(path, json=body, headers=who.headers), status)
        assert answer["status_code"] == status and set(answer) == {"detail", "status_code", "error_type"}, (
            path
        )
    assert (await edge.patch(f"/api/listings/{list_id}", json=adds)).status == 401

    removed = await json_of(
        await edge.patch(f"/api/listings/{list_id}", json={"remove_items": [guitar]}, headers=ann.headers),
        200,
    )
    assert removed["items_removed"] == 1 and removed["current_counts"] == {"wants": 0, "offers": 0}
    twice = await edge.patch(
        f"/api/listings/{list_id}", json=adds | {"remove_items": [guitar]}, headers=ann.headers
    )
    assert error(409, "conflict")(await json_of(twice, 409))
    # Nothing of the refused requests was stored: Ann has her guitar (archived), Eve hers.
    anns = await json_of(await edge.get("/user/listings", headers=ann.headers), 200)
    assert [(i["id"], i["status"]) for i in anns] == [(guitar, "archived")]
    eves_now = await json_of(await edge.get("/user/listings", headers=eve.headers), 200)
    assert [i["id"] for i in eves_now] == [eves_guitar]
    assert await json_of(await edge.get("/api/listings/wants"), 200) == []

    for bad in ("limit=101", "limit=0", "skip=-1", "sort=price", "order=up"):
        assert error(400, "validation_error")(
            await json_of(await edge.get(f"/api/listings/offers?{bad}"), 400)
        )

    # Eve's writes count, refused ones too: she reaches the limit (a window may end meanwhile, once).
    for _ in range(WRITE_LIMIT + 1):
        limited = await edge.post("/api/listings/create-by-categories", json=one, headers=eve.headers)
        if limited.status != 201:
            break
    assert error(429, "rate_limit_exceeded")(await json_of(limited, 429))
    assert int(limited.headers["Retry-After"]) >= 1
    assert (
        await edge.post("/api/listings/create", json=single | {"duration_days": 1}, headers=ann.headers)
    ).status == 201
