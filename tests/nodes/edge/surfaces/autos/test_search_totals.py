"""A search's total past `[market] exact_total_max`: exact below it on both databases; past it, on
PostgreSQL, the planner's estimate and never below the cap (SQLite keeps counting every match)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from nodes.runtime.settings import Settings
from storage.engine import is_sqlite
from tests.conftest import Cluster
from tests.support.ads import ADS, active_ad
from tests.support.http import bearer, json_of

pytestmark = pytest.mark.domains("identity", "catalog", "market")

EXACT_UP_TO = 2


@pytest.fixture
def settings_override() -> Callable[[Settings], Settings]:
    return lambda settings: replace(
        settings, market=replace(settings.market, exact_total_max=EXACT_UP_TO, search_total_ttl_s=0.0)
    )


async def test_a_total_is_exact_up_to_the_cap_and_estimated_past_it_on_postgresql(cluster: Cluster) -> None:
    out = await json_of(
        await cluster.edge_a.post(
            "/api/v1/auth/register", json={"email": "seller@example.com", "password": "SecurePass123!"}
        ),
        201,
    )
    seller = bearer(out["access_token"])
    titles = ["Lada Vesta", "Lada Granta", "Kia Rio", "Hyundai Solaris"]
    ids = [await active_ad(cluster.edge_a.post, cluster.worker_bus, seller, title=title) for title in titles]

    every = await json_of(await cluster.edge_b.get(ADS), 200)
    assert sorted(ad["id"] for ad in every["items"]) == sorted(ids)  # the page itself is always exact
    if is_sqlite(cluster.settings.database.url):
        assert every["total"] == len(ids)
    else:
        assert every["total"] > EXACT_UP_TO  # an estimate, never below the cap
    for query, expected in (("q=lada", 2), ("q=kia", 1), ("q=bmw", 0)):
        found = await json_of(await cluster.edge_b.get(f"{ADS}?{query}"), 200)
        assert found["total"] == len(found["items"]) == expected, query
