"""Car advisor (002) car catalog through HTTP (`/api/v1/cars`, `/api/v1/cars/{id}`), public: each filter
shows what it includes and excludes (in Russian and English words, any case), prices from active ads
or else the reference, the ads a car lists, paging with the total, an ad approved or deleted showing
up, the 400s and 404 in the `{"error": {...}}` format, and the words published in the OpenAPI document.

Written against whatever storage/reference/vehicles.json holds: the configurations are read from the
catalog, and each filter's expected cars are picked from them by the test's own rule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from protocols.catalog import CarConfiguration, ListCarConfigurations
from protocols.envelope import Actor
from tests.conftest import Cluster
from tests.support.ads import approve
from tests.support.eventually import until
from tests.support.http import bearer, json_of

pytestmark = [pytest.mark.domains("identity", "catalog", "market", "advisor"), pytest.mark.database_agnostic]

Edge = TestClient[web.Request, web.Application]
CARS = "/api/v1/cars"
THIS_YEAR = datetime.now(UTC).year
Rule = Callable[[CarConfiguration], bool]


async def configurations(cluster: Cluster) -> list[CarConfiguration]:
    found: list[CarConfiguration] = []
    after: int | None = 0
    while after is not None:
        page = await cluster.worker_bus.request(ListCarConfigurations(after_id=after), actor=Actor.system())
        found.extend(page.items)
        after = page.next_after_id
    return found


async def every_car(edge: Edge, query: str) -> list[dict[str, Any]]:
    """Every page of the search, 50 a page."""
    cars: list[dict[str, Any]] = []
    page = 1
    while True:
        body = await json_of(await edge.get(f"{CARS}?{query}&per_page=50&page={page}"), 200)
        cars.extend(body["items"])
        if len(cars) >= body["total"]:
            assert len(cars) == body["total"]
            return cars
        page += 1


async def post_ad(edge: Edge, headers: dict[str, str], car: CarConfiguration, price: int, **more: Any) -> int:
    body = {
        "category_id": 1, "title": f"{car.brand} {car.model}", "price": price, "brand_id": car.brand_id,
        "model_id": car.model_id, "generation_id": car.generation_id, "modification_id": car.id,
        "year": 2020, "mileage": 10_000, **more,
    }  # fmt: skip
    return int((await json_of(await edge.post("/api/v1/ads/", json=body, headers=headers), 201))["id"])


async def test_each_filter_includes_and_excludes_and_ads_price_the_cars(cluster: Cluster) -> None:
    edge_a, edge_b = cluster.edges
    configs = await configurations(cluster)
    unpriced = [c for c in configs if c.price_new_rub is None]
    with_ads, later, reference = unpriced[0], unpriced[-1], next(c for c in configs if c.price_new_rub)
    seller = await json_of(
        await edge_a.post(
            "/api/v1/auth/register", json={"email": "s@example.com", "password": "SecurePass1!"}
        ),
        201,
    )
    headers = bearer(seller["access_token"])
    ad_ids = [await post_ad(edge_a, headers, with_ads, price) for price in (1_500_000, 1_000_000, 2_000_000)]
    for ad_id in ad_ids:
        await approve(cluster.worker_bus, ad_id)
    await approve(cluster.worker_bus, await post_ad(edge_a, headers, with_ads, 5_000, currency="USD"))
    pending = await post_ad(edge_a, headers, later, 700_000)  # not active: no price yet

    # A car priced by its active RUB ads, listing them cheapest first; one by its reference price.
    car = await json_of(await edge_b.get(f"{CARS}/{with_ads.id}"), 200)  # no token: public
    assert (car["price_min"], car["price_max"], car["price_source"], car["ads_count"]) == (
        1_000_000, 2_000_000, "ads", 3,
    )  # fmt: skip
    assert [ad["id"] for ad in car["ads"]] == [ad_ids[1], ad_ids[0], ad_ids[2]]
    assert car["ads"][0]["price"] == 1_000_000 and car["ads"][0]["currency"] == "RUB"
    assert (car["brand"], car["model"], car["modification"]) == (
        with_ads.brand,
        with_ads.model,
        with_ads.name,
    )
    listed = await json_of(await edge_b.get(f"{CARS}/{reference.id}"), 200)
    assert (listed["price_min"], listed["price_max"], listed["price_source"], listed["ads"]) == (
        reference.price_new_rub, reference.price_new_rub, "reference", [],
    )  # fmt: skip
    assert (await json_of(await edge_b.get(f"{CARS}/{later.id}"), 200))["price_source"] is None

    # Everything: cheapest first, cars without a price last; paging with the total.
    everything = await every_car(edge_b, "")
    assert sorted(c["id"] for c in everything) == sorted(c.id for c in configs)
    prices = [c["price_min"] for c in everything]
    priced = [p for p in prices if p is not None]
    assert priced == sorted(priced) and prices == priced + [None] * (len(prices) - len(priced))
    page_2 = await json_of(await edge_a.get(f"{CARS}?page=2&per_page=7"), 200)
    assert [c["id"] for c in page_2["items"]] == [c["id"] for c in everything[7:14]]
    assert (page_2["total"], page_2["page"], page_2["per_page"]) == (len(configs), 2, 7)
    default = await json_of(await edge_a.get(CARS), 200)
    assert (len(default["items"]), default["page"], default["per_page"]) == (20, 1, 20)
    beyond = await json_of(await edge_a.get(f"{CARS}?page=1000&per_page=50"), 200)
    assert (beyond["items"], beyond["total"]) == ([], len(configs))

    def price(c: CarConfiguration) -> tuple[int, int] | None:
        if c.id == with_ads.id:
            return 1_000_000, 2_000_000
        return None if c.price_new_rub is None else (c.price_new_rub, c.price_new_rub)

    def cheaper_than(most: int) -> Rule:
        return lambda c: (p := price(c)) is not None and p[0] <= most

    def dearer_than(least: int) -> Rule:
        return lambda c: (p := price(c)) is not None and p[1] >= least

    def crossover(c: CarConfiguration) -> bool:
        return c.body_type == "crossover"

    cases: dict[str, Rule] = {
        "body_type=Кроссовер": crossover,
        "body_type=CROSSOVER": crossover,
        "body_type=crossover": crossover,
        "body_type=седан": lambda c: c.body_type == "sedan",
        "engine_type=дизель": lambda c: c.engine_type == "diesel",
        "engine_type=Petrol": lambda c: c.engine_type == "petrol",
        "transmission=автомат": lambda c: c.transmission == "automatic",
        "transmission=Механика": lambda c: c.transmission == "manual",
        "transmission=cvt": lambda c: c.transmission == "cvt",
        "drive=полный": lambda c: c.drive == "awd",
        "drive=4WD": lambda c: c.drive == "4wd",
        "drive=Front-wheel drive": lambda c: c.drive == "fwd",
        "brand=Kia": lambda c: c.brand_slug == "kia",
        "brand=киа": lambda c: c.brand_slug == "kia",
        "brand=Хёндай": lambda c: c.brand_slug == "hyundai",
        "brand=хундай": lambda c: c.brand_slug == "hyundai",
        "brand=Mercedes-Benz": lambda c: c.brand_slug == "mercedes-benz",
        "brand=лада": lambda c: c.brand_slug == "lada",
        "min_year=2022": lambda c: (c.year_to or THIS_YEAR) >= 2022,
        "max_year=2012": lambda c: c.year_from is not None and c.year_from <= 2012,
        "min_year=2016&max_year=2016": lambda c: (
            c.year_from is not None and c.year_from <= 2016 <= (c.year_to or THIS_YEAR)
        ),
        "seats=7": lambda c: c.seats == 7,
        "max_price=1200000": cheaper_than(1_200_000),
        "min_price=1200000": dearer_than(1_200_000),
        "min_price=2000001": dearer_than(2_000_001),
        "body_type=sedan&transmission=manual&brand=LADA": lambda c: (
            (c.body_type, c.transmission, c.brand_slug) == ("sedan", "manual", "lada")
        ),
    }
    for query, rule in cases.items():
        found = {c["id"] for c in await every_car(edge_b, query.replace(" ", "%20"))}
        expected = {c.id for c in configs if rule(c)}
        assert found == expected, query
        if not query.startswith(("min_price", "max_price")):  # the prices: only three cars have one
            assert 0 < len(found) < len(configs), query
    assert with_ads.id in {c["id"] for c in await every_car(edge_b, "max_price=1200000")}
    assert with_ads.id not in {c["id"] for c in await every_car(edge_b, "min_price=2000001")}

    # An ad deleted, another approved: the cars' prices follow.
    deleted = await edge_a.delete(f"/api/v1/ads/{ad_ids[1]}", headers=headers)
    assert deleted.status == 204
    await approve(cluster.worker_bus, pending)

    async def followed() -> bool:
        first = await json_of(await edge_b.get(f"{CARS}/{with_ads.id}"), 200)
        second = await json_of(await edge_a.get(f"{CARS}/{later.id}"), 200)
        return (first["price_min"], first["ads_count"], second["price_source"], second["price_min"]) == (
            1_500_000, 2, "ads", 700_000,
        )  # fmt: skip

    await until(followed, within_s=5, what="the catalog following the ads")
    assert later.id in {c["id"] for c in await every_car(edge_b, "max_price=700000")}


@pytest.mark.domains("catalog", "market", "advisor")
async def test_bad_filters_unknown_cars_and_the_published_words(cluster: Cluster) -> None:
    edge = cluster.edge_a
    bad = {
        "body_type=spaceship": ("body_type", "unknown"),
        "engine_type=автомат": ("engine_type", "unknown"),  # another filter's word
        "transmission=": ("transmission", "unknown"),
        "drive=" + "x" * 100: ("drive", "unknown"),
        "brand=Zaporozhets": ("brand", "unknown"),
        "min_price=abc": ("min_price", "int_parsing"),
        "max_price=-1": ("max_price", "greater_than_equal"),
        "min_price=5&max_price=4": ("min_price", "above_max"),
        "min_year=2020&max_year=2019": ("min_year", "above_max"),
        "seats=0": ("seats", "greater_than_equal"),
        "per_page=51": ("per_page", "less_than_equal"),
        "page=0": ("page", "greater_than_equal"),
    }
    for query, (field, reason) in bad.items():
        body = await json_of(await edge.get(f"{CARS}?{query}"), 400)
        assert body["error"]["code"] == "validation_error" and body["error"]["message"], query
        assert body["error"]["details"] == {"field": field, "reason": reason}, query
    for path in ("999999", "0", "abc"):
        body = await json_of(await edge.get(f"{CARS}/{path}"), 404)
        assert body["error"]["code"] == "not_found", path

    doc = await json_of(await edge.get("/openapi.json"), 200)
    schemas = doc["components"]["schemas"]
    operation = doc["paths"][CARS]["get"]
    assert "security" not in operation and "security" not in doc["paths"][CARS + "/{car_id}"]["get"]
    params = {p["name"]: p["schema"] for p in operation["parameters"]}
    assert set(params) == {
        "min_price", "max_price", "body_type", "engine_type", "brand", "min_year", "max_year", "seats",
        "transmission", "drive", "page", "per_page",
    }  # fmt: skip
    published = {
        "body_type": {"sedan", "crossover", "suv", "wagon"},
        "engine_type": {"petrol", "diesel", "electric"},
        "transmission": {"manual", "automatic", "robot", "cvt"},
        "drive": {"fwd", "rwd", "awd", "4wd"},
    }
    for name, values in published.items():
        ref = next(s["$ref"] for s in params[name]["anyOf"] if "$ref" in s)
        assert values <= set(schemas[ref.rsplit("/", 1)[1]]["enum"]), name
