"""A search that matches many walks its order's index; when the matches are rarer among the ads it
walks than their total said, it gathers every match instead: either way the same ads in the same
order. Here every search counts as matching many (`exact_total_max` 1: past it the total is at least
that, exact on SQLite, PostgreSQL's estimate), the walk is short (three ads per ad down to the page's
last) and the matches sit behind three ads that do not match, in an order on the listings and in one
on their vehicles. On page 1 the walk falls short and the page is gathered; on page 2 the walk reaches
every ad."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from nodes.runtime.settings import Settings
from tests.conftest import Cluster
from tests.support.ads import ADS, active_ad
from tests.support.http import bearer, json_of

pytestmark = pytest.mark.domains("identity", "catalog", "market")

WALK_PER_AD = 3
NOT_MATCHING = 3  # as many as the walk looks at for a page of one


@pytest.fixture
def settings_override() -> Callable[[Settings], Settings]:
    def shorter_walk(settings: Settings) -> Settings:
        market = replace(
            settings.market, exact_total_max=1, search_walk_rows=1, search_walk_per_ad=WALK_PER_AD
        )
        return replace(settings, market=market)

    return shorter_walk


async def test_matches_behind_the_walk_are_gathered_in_order_with_their_total(cluster: Cluster) -> None:
    edge = cluster.edge_a
    out = await json_of(
        await edge.post(
            "/api/v1/auth/register", json={"email": "s@example.com", "password": "SecurePass123!"}
        ),
        201,
    )
    seller = bearer(out["access_token"])
    # The two matches are the oldest ads and the oldest cars: last newest first and by year.
    first = await active_ad(edge.post, cluster.worker_bus, seller, price=5_000_000, year=2001)
    second = await active_ad(edge.post, cluster.worker_bus, seller, price=6_000_000, year=2000)
    for _ in range(NOT_MATCHING):
        await active_ad(edge.post, cluster.worker_bus, seller, price=1_000_000, year=2020)

    async def page(query: str) -> list[int]:
        found = await json_of(await edge.get(f"{ADS}?size=1&{query}"), 200)
        assert found["total"] >= 2
        return [ad["id"] for ad in found["items"]]

    # On the listings (price) and on the vehicles (year), ordered on either table.
    for search, ordered in (
        ("price_from=4000000&sort_by=created_desc", [second, first]),
        ("price_from=4000000&sort_by=year_desc", [first, second]),
        ("year_to=2005&sort_by=created_desc", [second, first]),
        ("year_to=2005&sort_by=price_desc", [second, first]),
    ):
        assert await page(f"{search}&page=1") == ordered[:1], search
        assert await page(f"{search}&page=2") == ordered[1:], search
        assert await page(f"{search}&page=3") == [], search
    # No filter: the order alone is the page.
    assert await page("sort_by=price_desc&page=1") == [second]
    assert await page("sort_by=year_asc&page=2") == [first]
