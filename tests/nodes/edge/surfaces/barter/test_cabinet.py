"""FreeMarket (001) user cabinet: `/user/cabinet` (profile, listings, exchanges under way) and
`/user/exchanges`, each the caller's own; a completed exchange leaves both lists."""

from __future__ import annotations

import pytest

from protocols.market_barter import CreateBarterList, ExchangeType, ItemSide, NewBarterItem
from protocols.matching import GetExchange
from tests.conftest import Cluster
from tests.support.barter_people import confirm_all, error_of, register
from tests.support.exchanges import EXCHANGE_DOMAINS, mutual_exchange, user
from tests.support.http import json_of

pytestmark = [pytest.mark.domains(*EXCHANGE_DOMAINS, "moderation"), pytest.mark.database_agnostic]


async def test_the_cabinet_shows_the_callers_profile_listings_and_exchanges_under_way(
    cluster: Cluster,
) -> None:
    a, b, bus = cluster.edge_a, cluster.edge_b, cluster.worker_bus
    alice, bob = await register(a, "alice", "Alice Doe"), await register(b, "bob", "Bob Roe")
    dave = await register(a, "dave")
    loan = NewBarterItem(side=ItemSide.WANT, exchange_type=ExchangeType.TEMPORARY, item_name="Нужна дрель",
                         value_tenge=5000, duration_days=3)  # fmt: skip
    await bus.request(CreateBarterList(items=[loan]), actor=user(dave.id))
    exchange_id = await mutual_exchange(bus, alice.id, bob.id, ("Велосипед", "Палатка"))
    number = (await bus.request(GetExchange(public_id=exchange_id), actor=user(alice.id))).id

    cabinet = await json_of(await a.get("/user/cabinet", headers=alice.headers), 200)
    assert cabinet["user_profile"] == {"id": alice.id, "username": "alice", "full_name": "Alice Doe"}
    assert sorted(item["title"] for item in cabinet["my_listings"]) == ["Велосипед", "Палатка"]
    assert {item["exchange_type"] for item in cabinet["my_listings"]} == {"PERMANENT"}
    # The document's numbers, and the public id the other endpoints take beside them.
    assert cabinet["active_exchanges"] == [
        {"chain_id": number, "exchange_id": exchange_id, "partner_name": "Bob Roe"}
    ]
    theirs = await json_of(await b.get("/user/cabinet", headers=dave.headers), 200)
    assert theirs["my_listings"] == [{"id": theirs["my_listings"][0]["id"], "title": "Нужна дрель",
                                      "exchange_type": "TEMPORARY"}]  # fmt: skip
    assert theirs["active_exchanges"] == []

    [match] = await json_of(await b.get("/user/exchanges", headers=bob.headers), 200)
    assert match == {"match_id": number, "exchange_id": exchange_id, "partner_username": "alice", "status": "active",
                     "matching_categories": [], "created_at": match["created_at"]}  # fmt: skip
    assert await json_of(await a.get("/user/exchanges", headers=dave.headers), 200) == []
    await error_of(await a.get("/user/cabinet"), 401)
    await error_of(await a.get("/user/exchanges"), 401)

    # Once completed, it is history, not under way.
    await confirm_all(bus, exchange_id, [alice.id, bob.id])
    assert await json_of(await a.get("/user/exchanges", headers=alice.headers), 200) == []
    assert (await json_of(await b.get("/user/cabinet", headers=bob.headers), 200))["active_exchanges"] == []
