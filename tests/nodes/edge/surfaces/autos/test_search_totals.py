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
MOSCOW = 524901  # GeoNames id


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
    brands = {
        b["name"]: b["id"] for b in await json_of(await cluster.edge_a.get("/api/v1/vehicles/brands"), 200)
    }
    made = {"Lada Vesta": "Lada", "Lada Granta": "Lada", "Kia Rio": "Kia", "Hyundai Solaris": "Hyundai"}
    ids = [
        await active_ad(cluster.edge_a.post, cluster.worker_bus, seller, title=title, brand_id=brands[brand],
                        city_id=MOSCOW)
        for title, brand in made.items()
    ]  # fmt: skip
    in_moscow = "latitude=55.75&longitude=37.62&radius_km=100"
    some_brands = f"brand_ids={brands['Lada']},{brands['Kia']},{brands['Hyundai']}&price_to=99000000"
    for query in ("", some_brands, in_moscow, f"{some_brands}&{in_moscow}"):
        every = await json_of(await cluster.edge_b.get(f"{ADS}?{query}"), 200)
        if query == "":  # the page itself is always exact
            assert sorted(ad["id"] for ad in every["items"]) == sorted(ids)
        assert len(every["items"]) == len(ids), query
        if is_sqlite(cluster.settings.database.url):
            assert every["total"] == len(every["items"]), query
        elif len(every["items"]) > EXACT_UP_TO:
            assert every["total"] > EXACT_UP_TO, query  # an estimate, never below the cap
        else:
            assert every["total"] == len(every["items"]), query
    for query, expected in (("q=lada", 2), ("q=kia", 1), ("q=bmw", 0)):
        found = await json_of(await cluster.edge_b.get(f"{ADS}?{query}"), 200)
        assert found["total"] == len(found["items"]) == expected, query
