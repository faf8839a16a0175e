"""MillionAvto (000) locations through HTTP: countries → regions → cities with coordinates and
population, the document's radius example, the major cities, detection by the client's address (a tiny
MaxMind-format database, the forwarded address trusted), ETag and 304, and 422 naming a bad parameter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from nodes.runtime.settings import Settings
from protocols.fields import INT32_MAX
from tests.conftest import Cluster
from tests.nodes.workers.catalog.tiny_mmdb import write
from tests.support.http import json_of
from tests.support.places import places_loaded

pytestmark = pytest.mark.domains("catalog")

LOCATIONS = "/api/v1/locations"
VLADIMIR = 473247  # GeoNames' id, the cities' ids
CITY = {"id", "country_id", "region_id", "name", "latitude", "longitude", "population"}


@pytest.fixture
def settings_override(tmp_path: Path) -> Callable[[Settings], Settings]:
    database = write(tmp_path / "city.mmdb", {"81.2.69.0/24": {"city": {"geoname_id": VLADIMIR}}})

    def override(settings: Settings) -> Settings:
        return replace(
            settings,
            edge=replace(settings.edge, trust_forwarded_for=True),
            catalog=replace(settings.catalog, geoip_db=str(database), default_city="Moscow"),
        )

    return override


@pytest.fixture(autouse=True)
async def loaded(cluster: Cluster) -> None:
    await places_loaded(cluster.worker_bus)


async def get(cluster: Cluster, path: str, status: int = 200) -> Any:
    return await json_of(await cluster.edge_a.get(LOCATIONS + path), status)


async def detected(cluster: Cluster, forwarded_for: str) -> Any:
    answer = await cluster.edge_a.get(LOCATIONS + "/detect", headers={"X-Forwarded-For": forwarded_for})
    return await json_of(answer, 200)


async def test_countries_regions_and_cities_narrow_down_to_moscow(cluster: Cluster) -> None:
    countries = await get(cluster, "/countries")
    russia = next(c for c in countries if c["iso2"] == "RU")
    assert russia["name_ru"] == "Россия" and russia["currency"] == "RUB"
    assert len(countries) > 200 and [c["name"] for c in countries] == sorted(c["name"] for c in countries)

    regions = await get(cluster, f"/regions?country_id={russia['id']}")
    assert len(regions) > 80 and {r["country_id"] for r in regions} == {russia["id"]}
    assert set(regions[0]) == {"id", "country_id", "code", "name", "name_native"}
    moscow_region = next(r for r in regions if r["code"] == "RU-MOW")

    cities = await get(cluster, f"/cities?region_id={moscow_region['id']}")
    moscow = cities[0]  # largest first
    assert set(moscow) == CITY and moscow["name"] == "Moscow" and moscow["population"] > 10_000_000
    assert (round(moscow["latitude"]), round(moscow["longitude"])) == (56, 38)
    in_russia = await get(cluster, f"/cities?country_id={russia['id']}")
    assert moscow in in_russia and {c["country_id"] for c in in_russia} == {russia["id"]}
    assert len(in_russia) > 500  # every Russian city of 15,000 people or more
    assert await get(cluster, f"/cities/?region_id={moscow_region['id']}") == cities


async def test_an_id_that_names_nothing_has_nothing_under_it(cluster: Cluster) -> None:
    assert await get(cluster, f"/regions?country_id={INT32_MAX}") == []
    assert await get(cluster, f"/cities?region_id={INT32_MAX}") == []
    assert await get(cluster, f"/cities?country_id={INT32_MAX}") == []


async def test_the_documents_radius_search_finds_vladimir_first_and_nothing_beyond(cluster: Cluster) -> None:
    found = await get(cluster, "/nearby?lat=56.13&lon=40.41&radius_km=100")
    assert found[0]["id"] == VLADIMIR and found[0]["distance_km"] < 5
    assert set(found[0]) == CITY | {"distance_km"}
    distances = [c["distance_km"] for c in found]
    assert distances == sorted(distances) and distances[-1] <= 100 and len(found) > 3
    wider = await get(cluster, "/nearby?lat=56.13&lon=40.41&radius_km=300")
    assert {c["id"] for c in found} < {c["id"] for c in wider}  # Moscow is 180 km away
    assert await get(cluster, "/nearby?lat=0&lon=-30&radius_km=50") == []  # the Atlantic


async def test_bad_coordinates_or_radius_are_422_naming_the_field(cluster: Cluster) -> None:
    for query, field in (("lon=40&radius_km=10", "lat"), ("lat=91&lon=40", "lat"), ("lat=56&lon=-181", "lon"),
                         ("lat=56&lon=40&radius_km=0", "radius_km"), ("lat=56&lon=40&radius_km=1001", "radius_km"),
                         ("lat=nan&lon=40", "lat"), ("lat=56&lon=abc", "lon")):  # fmt: skip
        refused = await get(cluster, f"/nearby?{query}", 422)
        assert [e["loc"] for e in refused["detail"]] == [["query", field]], query
    for path, name in (("/regions", "country_id"), ("/cities", "region_id"), ("/cities", "country_id")):
        refused = await get(cluster, f"{path}?{name}=0", 422)
        assert [e["loc"] for e in refused["detail"]] == [["query", name]], path


async def test_major_cities_are_russias_then_kazakhstans_largest(cluster: Cluster) -> None:
    countries = {c["id"]: c["iso2"] for c in await get(cluster, "/countries")}
    major = await get(cluster, "/major-cities")
    markets = [countries[c["country_id"]] for c in major]
    assert markets == sorted(markets, key=["RU", "KZ"].index) and "KZ" in markets
    assert major[0]["name"] == "Moscow"
    assert {"Saint Petersburg", "Novosibirsk", "Almaty", "Astana"} <= {c["name"] for c in major}
    assert all(c["population"] >= 250_000 for c in major)


async def test_detect_finds_the_forwarded_address_else_answers_the_default_city(cluster: Cluster) -> None:
    found = await detected(cluster, "81.2.69.160, 10.0.0.1")
    assert found["detected"] is True and found["city"]["id"] == VLADIMIR and set(found["city"]) == CITY
    for address in ("8.8.8.8", "192.168.1.20", "::1", "not-an-address"):
        fallback = await detected(cluster, address)
        assert fallback["detected"] is False and fallback["city"]["name"] == "Moscow", address
    direct = await cluster.edge_a.get(LOCATIONS + "/detect")  # from the loopback address
    assert (await direct.json())["detected"] is False and direct.headers["Cache-Control"] == "no-store"


async def test_every_list_carries_an_etag_and_a_matching_if_none_match_is_304(cluster: Cluster) -> None:
    for path in ("/countries", "/regions", "/regions?country_id=182", "/cities", "/cities?country_id=182", "/major-cities",
                 "/nearby?lat=56.13&lon=40.41&radius_km=100"):  # fmt: skip
        first = await cluster.edge_a.get(LOCATIONS + path)
        assert first.status == 200 and first.headers["Cache-Control"] == "public, max-age=3600", path
        etag = first.headers["ETag"]
        again = await cluster.edge_b.get(LOCATIONS + path, headers={"If-None-Match": etag})
        assert (again.status, await again.read()) == (304, b""), path
