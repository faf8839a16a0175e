"""MillionAvto (000) ad search through HTTP, on both databases: every filter narrows, the document's
combined example, each sort, text in Russian and English (PostgreSQL's full-text search, SQLite's FTS5),
a radius, paging with the total, and 422s naming the field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from protocols.envelope import Actor, Role
from protocols.market import ModerateAd, ModerationDecision
from tests.conftest import Cluster
from tests.support.ads import active_ad
from tests.support.http import bearer, json_of
from tests.support.workers import more_workers

pytestmark = pytest.mark.domains("identity", "catalog", "market")

Edge = TestClient[web.Request, web.Application]
ADS = "/api/v1/ads/"
MODERATOR = Actor(user_id=0, role=Role.SYSTEM)
PENDING = "BMW pending"  # the one ad left unapproved: never found
MOSCOW, SAINT_PETERSBURG, ALMATY = 524901, 498817, 1526384  # GeoNames ids


@dataclass
class Seeded:
    bmw: dict[str, Any]  # Moscow, used, with a VIN and the full cascade of references
    camry: dict[str, Any]  # Saint Petersburg
    new_bmw: dict[str, Any]  # Almaty, new
    lada: dict[str, Any]  # another category, no vehicle details, no city

    def all(self) -> list[dict[str, Any]]:
        return [self.bmw, self.camry, self.new_bmw, self.lada]


async def listed(edge: Edge, query: str) -> list[int]:
    return [ad["id"] for ad in (await json_of(await edge.get(f"{ADS}?{query}"), 200))["items"]]


async def first_ids(edge: Edge, path: str) -> list[int]:
    return [entry["id"] for entry in await json_of(await edge.get(f"/api/v1/vehicles/{path}"), 200)]


async def seed(cluster: Cluster) -> Seeded:
    edge = cluster.edge_a
    out = await json_of(
        await edge.post(
            "/api/v1/auth/register", json={"email": "seller@example.com", "password": "SecurePass123!"}
        ),
        201,
    )
    headers = bearer(out["access_token"])
    brands = {b["name"]: b["id"] for b in await json_of(await edge.get("/api/v1/vehicles/brands"), 200)}
    bmw, toyota = brands["BMW"], brands["Toyota"]
    cascade: dict[str, int] = {}
    for model_id in await first_ids(edge, f"models?brand_id={bmw}"):
        for generation_id in await first_ids(edge, f"generations?model_id={model_id}"):
            modifications = await first_ids(edge, f"modifications?generation_id={generation_id}")
            if modifications:
                cascade = {"model_id": model_id, "generation_id": generation_id,
                           "modification_id": modifications[0]}  # fmt: skip
                break
        if cascade:
            break
    assert cascade, "the catalog has a BMW with a generation and a modification"
    kinds = ("body_type_id", "transmission_id", "fuel_type_id", "drive_type_id", "color_id")
    paths = ("body-types", "transmissions", "fuel-types", "drive-types", "colors")
    references = {kind: await first_ids(edge, path) for kind, path in zip(kinds, paths, strict=True)}

    async def ad(**body: Any) -> dict[str, Any]:
        created: dict[str, Any] = await json_of(await edge.post(ADS, json=body, headers=headers), 201)
        if body["title"] != PENDING:
            await cluster.worker_bus.request(
                ModerateAd(ad_id=created["id"], decision=ModerationDecision.APPROVE), actor=MODERATOR
            )
        return created

    seeded = Seeded(
        bmw=await ad(
            category_id=1, title="BMW X5 дизель", description="Отличное состояние, один владелец",
            price=1_200_000, year=2021, mileage=30_000, engine_volume=3.0, engine_power=249, condition="used",
            vin="WBAKS410X00C12345", city_id=MOSCOW, brand_id=bmw, **cascade,
            **{kind: ids[0] for kind, ids in references.items()},
        ),
        camry=await ad(
            category_id=1, title="Toyota Camry", description="Reliable family sedan, economical",
            price=2_500_000, year=2019, mileage=80_000, engine_volume=2.5, engine_power=181,
            condition="used", city_id=SAINT_PETERSBURG, brand_id=toyota,
            **{kind: ids[1] for kind, ids in references.items()},
        ),
        new_bmw=await ad(
            category_id=1, title="BMW 3 series новый", price=800_000, year=2023, mileage=0,
            engine_volume=2.0, engine_power=184, condition="new", city_id=ALMATY, brand_id=bmw,
        ),
        lada=await ad(category_id=2, title="Lada Granta", price=400_000),
    )  # fmt: skip
    await ad(category_id=1, title=PENDING, price=1_000_000, brand_id=bmw)  # never found
    return seeded


async def test_each_filter_narrows_the_search(cluster: Cluster) -> None:
    ads = await seed(cluster)
    edge = cluster.edge_b
    bmw, camry, new_bmw, lada = ads.bmw["id"], ads.camry["id"], ads.new_bmw["id"], ads.lada["id"]
    assert ads.bmw["country_id"] == ads.camry["country_id"] != ads.new_bmw["country_id"]
    assert ads.bmw["region_id"] != ads.camry["region_id"] and ads.bmw["images_count"] == 0
    expected = {
        "": [lada, new_bmw, camry, bmw],
        "category_id=1": [new_bmw, camry, bmw],
        f"city_id={MOSCOW}": [bmw],
        f"region_id={ads.camry['region_id']}": [camry],
        f"country_id={ads.bmw['country_id']}": [camry, bmw],
        f"country_id={ads.new_bmw['country_id']}": [new_bmw],
        f"brand_ids={ads.camry['brand_id']}": [camry],
        f"brand_ids={ads.camry['brand_id']},{ads.bmw['brand_id']}": [new_bmw, camry, bmw],
        "price_from=800000&price_to=1200000": [new_bmw, bmw],
        "price_to=500000": [lada],
        "year_from=2020&year_to=2022": [bmw],
        "mileage_from=1&mileage_to=50000": [bmw],
        "mileage_to=0": [new_bmw],
        "engine_volume_from=2.1&engine_volume_to=2.9": [camry],
        "engine_power_from=182&engine_power_to=200": [new_bmw],
        "condition=new": [new_bmw],
        "condition=used": [camry, bmw],
        "has_vin=true": [bmw],
        "has_vin=false": [lada, new_bmw, camry, bmw],  # only true narrows
        "has_images=true": [],  # none of these has an image (test_ad_media.py uploads some)
        "from_dealers=true": [],  # the seller is a private one
    }
    for field in ("model_id", "generation_id", "modification_id", "body_type_id", "transmission_id",
                  "fuel_type_id", "drive_type_id", "color_id"):  # fmt: skip
        expected[f"{field}s={ads.bmw[field]}"] = [bmw]
    for kind in ("body_type_id", "transmission_id", "fuel_type_id", "drive_type_id", "color_id"):
        expected[f"{kind}s={ads.camry[kind]}"] = [camry]
        expected[f"{kind}s={ads.bmw[kind]},{ads.camry[kind]}"] = [camry, bmw]
    for query, ids in expected.items():
        assert await listed(edge, query) == ids, query


async def test_the_documents_combined_example(cluster: Cluster) -> None:
    ads = await seed(cluster)
    brands = f"{ads.bmw['brand_id']},{ads.camry['brand_id']}"
    query = (f"q=BMW&category_id=1&brand_ids={brands}&price_from=500000&price_to=1500000&year_from=2020"
             "&sort_by=price_asc&page=1&size=20")  # fmt: skip
    found = await json_of(await cluster.edge_a.get(f"{ADS}?{query}"), 200)
    assert [ad["id"] for ad in found["items"]] == [ads.new_bmw["id"], ads.bmw["id"]]
    assert (found["total"], found["page"], found["size"]) == (2, 1, 20)


async def test_each_sort(cluster: Cluster) -> None:
    ads = await seed(cluster)
    every = ads.all()
    newest = [ad["id"] for ad in every][::-1]

    def by(field: str, descending: bool) -> list[int]:
        given = [ad for ad in every if ad[field] is not None]
        given.sort(key=lambda ad: ad[field], reverse=descending)
        return [ad["id"] for ad in given] + [ad["id"] for ad in every if ad[field] is None]  # none last

    orders = {
        "": newest, "created_desc": newest, "created_asc": newest[::-1],
        "price_asc": by("price", False), "price_desc": by("price", True),
        "mileage_asc": by("mileage", False), "mileage_desc": by("mileage", True),
        "year_asc": by("year", False), "year_desc": by("year", True),
    }  # fmt: skip
    for sort, ids in orders.items():
        assert await listed(cluster.edge_a, f"sort_by={sort}" if sort else "") == ids, sort


async def test_text_search_in_russian_and_english(cluster: Cluster) -> None:
    ads = await seed(cluster)
    bmw, camry, new_bmw = ads.bmw["id"], ads.camry["id"], ads.new_bmw["id"]
    expected = {
        "bmw": [new_bmw, bmw],
        "BMW новый": [new_bmw],
        "дизель": [bmw],  # in a title
        "ОТЛИЧНОЕ": [bmw],  # in a description, whatever the case
        "владел": [bmw],  # a word's beginning finds it
        "family sedan": [camry],
        "sedan, camry!": [camry],  # punctuation is no word
        "sedan дизель": [],  # every word must be found
        "mercedes": [],
    }
    for q, ids in expected.items():
        assert await listed(cluster.edge_b, f"q={q}") == ids, q
    assert await listed(cluster.edge_b, "q=bmw&sort_by=price_desc&condition=used") == [bmw]
    edited = await cluster.edge_a.put(
        f"{ADS}{camry}", json={"description": "Седан для семьи"}, headers=await _seller(cluster)
    )
    assert edited.status == 200
    assert await listed(cluster.edge_b, "q=семьи") == [camry]
    assert await listed(cluster.edge_b, "q=family") == []  # the old words left the index


async def _seller(cluster: Cluster) -> dict[str, str]:
    resp = await cluster.edge_a.post(
        "/api/v1/auth/login", json={"email": "seller@example.com", "password": "SecurePass123!"}
    )
    return bearer((await json_of(resp, 200))["access_token"])


async def test_radius_search_around_a_point(cluster: Cluster) -> None:
    ads = await seed(cluster)
    moscow = "latitude=55.75&longitude=37.62"
    assert await listed(cluster.edge_a, f"{moscow}&radius_km=50") == [ads.bmw["id"]]
    assert await listed(cluster.edge_a, f"{moscow}&radius_km=500") == [ads.bmw["id"]]  # SPb is ~630 km
    assert await listed(cluster.edge_a, f"{moscow}&radius_km=1000") == [ads.camry["id"], ads.bmw["id"]]
    # Inside the bounding box around Saint Petersburg, but not within 50 km of it.
    assert await listed(cluster.edge_a, "latitude=60.3&longitude=31.1&radius_km=50") == []
    assert await listed(cluster.edge_a, "latitude=60.2&longitude=30.3&radius_km=50") == [ads.camry["id"]]


async def test_pages_and_total(cluster: Cluster) -> None:
    ads = await seed(cluster)
    newest = [ad["id"] for ad in ads.all()][::-1]
    pages = [await json_of(await cluster.edge_a.get(f"{ADS}?size=3&page={page}"), 200) for page in (1, 2, 3)]
    assert [page["total"] for page in pages] == [4, 4, 4]
    assert [[ad["id"] for ad in page["items"]] for page in pages] == [newest[:3], newest[3:], []]
    assert (await json_of(await cluster.edge_a.get(ADS), 200))["size"] == 20


@pytest.mark.parametrize(
    ("query", "loc"),
    [
        ("brand_ids=5,abc", ["query", "brand_ids", 1]),
        ("color_ids=", ["query", "color_ids", 0]),
        ("radius_km=70&latitude=55&longitude=37", ["query", "radius_km"]),
        ("latitude=55&radius_km=100", ["query", "longitude"]),
        ("latitude=91&longitude=37&radius_km=100", ["query", "latitude"]),
        ("sort_by=nearest", ["query", "sort_by"]),
        ("condition=old", ["query", "condition"]),
        ("price_from=-1", ["query", "price_from"]),
        ("year_to=1700", ["query", "year_to"]),
        ("engine_volume_from=x", ["query", "engine_volume_from"]),
        ("has_vin=perhaps", ["query", "has_vin"]),
        ("size=101", ["query", "size"]),
        ("page=0", ["query", "page"]),
        ("q=" + "x" * 201, ["query", "q"]),
    ],
)
async def test_bad_parameters_are_422_naming_the_field(cluster: Cluster, query: str, loc: list[Any]) -> None:
    detail = (await json_of(await cluster.edge_a.get(f"{ADS}?{query}"), 422))["detail"]
    assert detail[0]["loc"] == loc


# --- totals ----------------------------------------------------------------------------------------

ASKED = 12  # searches per step: with two market workers, each answers some (all to one: 2**-12)


async def totals(edge: Edge, query: str) -> set[int]:
    """The totals `ASKED` runs of the same search answer, on any page and in any order."""
    found = set()
    for i in range(ASKED):
        order = ("created_desc", "price_asc", "year_desc")[i % 3]
        found.add(
            (await json_of(await edge.get(f"{ADS}?{query}&sort_by={order}&page={1 + i % 2}"), 200))["total"]
        )
    return found


async def test_a_kept_total_is_forgotten_by_every_market_worker_when_listings_change(
    cluster: Cluster,
) -> None:
    """Each market worker keeps a search's total (TTL 30 s by default); a change made through any of
    them is heard by all, so no replica answers the total from before it."""
    out = await json_of(
        await cluster.edge_a.post(
            "/api/v1/auth/register", json={"email": "seller@example.com", "password": "SecurePass123!"}
        ),
        201,
    )
    seller = bearer(out["access_token"])
    query = "price_to=5000000"
    async with more_workers(cluster.settings, "market"):
        assert await totals(cluster.edge_a, query) == {0}  # kept by both workers now
        first = await active_ad(cluster.edge_a.post, cluster.worker_bus, seller)
        assert await totals(cluster.edge_b, query) == {1}
        await active_ad(cluster.edge_a.post, cluster.worker_bus, seller, price=9_000_000)  # not matching
        assert await totals(cluster.edge_b, query) == {1}
        edited = await cluster.edge_a.put(f"{ADS}{first}", json={"price": 6_000_000}, headers=seller)
        await json_of(edited, 200)
        assert await totals(cluster.edge_a, query) == {0}
        assert await totals(cluster.edge_b, "price_from=5000000") == {2}
        assert (await cluster.edge_a.delete(f"{ADS}{first}", headers=seller)).status == 204
        assert await totals(cluster.edge_b, "price_from=5000000") == {1}
