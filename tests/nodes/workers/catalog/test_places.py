"""The catalog worker's places over NATS: detection through a MaxMind-format database (a city by its
GeoNames id, else the nearest city to the database's coordinates), the default city otherwise (named or
by id; a missing database file is no database), and the radius search's bounds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from pydantic import ValidationError

from nodes.runtime.settings import Settings
from protocols import catalog as wire
from tests.conftest import Cluster
from tests.support.places import FIRST_LOAD_S

from .tiny_mmdb import Value, write

pytestmark = pytest.mark.domains("catalog")

VLADIMIR, ALMATY, MOSCOW = 473247, 1526384, 524901  # GeoNames' ids


@pytest.fixture
def geoip_db(tmp_path: Path) -> str:
    networks: dict[str, dict[str, Value]] = {
        "81.2.69.0/24": {"city": {"geoname_id": VLADIMIR}},
        "5.34.0.0/16": {"location": {"latitude": 43.26, "longitude": 76.93}},  # no city: near Almaty
        "46.0.0.0/8": {"location": {"latitude": 0.0, "longitude": -30.0}},  # the Atlantic: no city near
    }
    return str(write(tmp_path / "city.mmdb", networks))


@pytest.fixture
def default_city() -> str:
    return "Moscow"


@pytest.fixture
def settings_override(geoip_db: str, default_city: str) -> Callable[[Settings], Settings]:
    def override(settings: Settings) -> Settings:
        return replace(
            settings, catalog=replace(settings.catalog, geoip_db=geoip_db, default_city=default_city)
        )

    return override


async def detect(cluster: Cluster, ip: str | None) -> tuple[int | None, bool]:
    found = await cluster.worker_bus.request(wire.DetectLocation(ip=ip), timeout=FIRST_LOAD_S)
    return (found.city.id if found.city is not None else None), found.detected


async def test_an_address_is_found_by_its_city_or_its_coordinates(cluster: Cluster) -> None:
    assert await detect(cluster, "81.2.69.160") == (VLADIMIR, True)
    assert await detect(cluster, "::ffff:81.2.69.1") == (VLADIMIR, True)  # IPv4 written as IPv6
    assert await detect(cluster, "5.34.1.1") == (ALMATY, True)


async def test_an_address_private_or_unknown_answers_the_default_city(cluster: Cluster) -> None:
    for ip in (
        None,
        "",
        "8.8.8.8",
        "46.1.1.1",
        "127.0.0.1",
        "10.1.2.3",
        "192.168.0.1",
        "::1",
        "2001:db8::1",
        "x",
    ):
        assert await detect(cluster, ip) == (MOSCOW, False), ip


@pytest.mark.parametrize(
    ("geoip_db", "default_city"), [("", str(ALMATY)), ("/nonexistent/city.mmdb", " almaty ")]
)
async def test_without_a_readable_database_every_address_gets_the_default_city(cluster: Cluster) -> None:
    assert await detect(cluster, "81.2.69.160") == (ALMATY, False)


@pytest.mark.parametrize("default_city", ["", "Atlantis"])
async def test_no_default_city_answers_none(cluster: Cluster) -> None:
    assert await detect(cluster, "10.0.0.1") == (None, False)


async def test_a_radius_search_is_bounded_and_nearest_first(cluster: Cluster) -> None:
    near = await cluster.worker_bus.request(
        wire.FindNearbyCities(latitude=55.75, longitude=37.62, radius_km=1000)
    )
    assert len(near.items) == 100 and near.items[0].id == MOSCOW  # at most a hundred, the nearest
    assert [c.distance_km for c in near.items] == sorted(c.distance_km for c in near.items)
    for radius in (0.0, 1000.5, float("inf")):
        with pytest.raises(ValidationError):
            wire.FindNearbyCities(latitude=55.75, longitude=37.62, radius_km=radius)


@pytest.mark.database_agnostic  # the names' migration runs on both in tests/storage
async def test_a_city_is_found_by_any_name_people_write_it_by(cluster: Cluster) -> None:
    async def find(name: str, country: str | None = None) -> int | None:
        found = await cluster.worker_bus.request(
            wire.FindCity(name=name, country_iso2=country), timeout=FIRST_LOAD_S
        )
        return found.city.id if found.city is not None else None

    for name in ("Almaty", "Алматы", "алматы", "Alma-Ata", "АЛМА-АТА", "  Алма Ата "):
        assert await find(name) == ALMATY, name
    assert await find("Москва") == await find("moscow") == MOSCOW
    assert await find("Ёлкино-не-город") is None
    # Two cities of one name: the largest, unless the asker's country has one.
    assert await find("Аксай") == 583673  # Aksay, Rostov oblast: 38,871 people
    assert await find("Аксай", "KZ") == 610613  # Aqsay, West Kazakhstan: 34,799
    with pytest.raises(ValidationError):
        wire.FindCity(name="")

    # In a free-text address (a property's location): a part that is a city's name alone, else words
    # inside a part; never a street, a house or a district named after one; of several, the largest.
    async def in_address(address: str) -> tuple[int | None, str | None]:
        found = await cluster.worker_bus.request(wire.FindCityInAddress(address=address))
        return (found.city.id if found.city is not None else None), found.named

    assert await in_address("г. Москва, ул. Тверская, д. 1") == (MOSCOW, "Москва")
    assert await in_address("Россия, 125009 Moscow, Tverskaya 1") == (MOSCOW, "Moscow")
    assert await in_address("Астана, район Алматы, ул. Кенесары 40") == (1526273, "Астана")
    assert await in_address("ул. Москва, 5, Алма-Ата") == (ALMATY, "Алма-Ата")
    assert await in_address("123 Main St, Anytown") == (None, None)
