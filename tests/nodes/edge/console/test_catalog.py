"""The console's reference data (admins only): categories with their SEO fields created, edited and
deleted (refused while one has subcategories), vehicle references and places created and edited level
by level, each change visible at once through MillionAvto's public API and in the audit log; a taken
slug refused with a notice; another role refused, in the console and in the catalog worker; a form
without its CSRF token refused."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest
from yarl import URL

from nodes.runtime.settings import Settings
from protocols.catalog import City, FindCity, SaveBrand
from protocols.envelope import Actor, DomainError, ErrorCode, Role
from tests.conftest import Cluster
from tests.support.console import Console, account, console_at, csrf_in, given_role
from tests.support.http import json_of
from tests.support.places import places_loaded

pytestmark = pytest.mark.domains("identity", "catalog", "moderation")

PAGE = 3  # rows in a page of the console's tables


@pytest.fixture
def settings_override() -> Callable[[Settings], Settings]:
    return lambda s: replace(s, console=replace(s.console, page_size=PAGE))


@dataclass(frozen=True)
class Forms:
    """A signed-in console's forms, posted with its session's token."""

    console: Console
    token: str

    async def done(self, path: str, form: dict[str, str]) -> dict[str, str]:
        """The notice the browser is sent back with, and where (`back`: the whole link)."""
        resp = await self.console.post(path, {"csrf": self.token, **form})
        assert resp.status == 303, (resp.status, await resp.text())
        back = URL(resp.headers["Location"])
        return {"path": back.path, "back": back.path_qs, **back.query}


async def shown(console: Console, path: str) -> str:
    status, page = await console.page(path)
    assert status == 200, page
    return page


def by_id(items: list[dict[str, Any]], entry_id: int) -> dict[str, Any]:
    found = [item for item in items if item["id"] == entry_id]
    assert len(found) == 1, items
    return found[0]


async def audit_entries(console: Console) -> list[tuple[str, str]]:
    """Every entry of the audit log, as (action, target), page after page."""
    entries: list[tuple[str, str]] = []
    path: str | None = "/admin/audit"
    while path:
        page = await shown(console, path)
        entries += re.findall(r'<td class="action">([a-z_]+)</td>\s*<td>([a-z]+ \d+)</td>', page)
        following = re.search(r'<a href="([^"]+)" rel="next">', page)
        path = following.group(1).replace("&amp;", "&") if following else None
    return entries


async def public(cluster: Cluster, path: str) -> Any:
    return await json_of(await cluster.edge_b.get(path), 200)


async def admin_console(cluster: Cluster, email: str) -> tuple[int, str]:
    user_id, _ = await account(cluster.edge_a.post, email)
    await given_role(cluster.settings.database.url, user_id, "admin")
    return user_id, str(cluster.edge_a.make_url("/"))


async def test_categories_vehicles_and_places_edited_from_the_console(cluster: Cluster) -> None:
    _admin_id, base = await admin_console(cluster, "admin@example.com")
    await places_loaded(cluster.worker_bus)  # the first load, not what this test is about
    async with console_at(base) as admin:
        assert (await admin.sign_in("admin@example.com")).status == 303
        forms = Forms(admin, csrf_in(await shown(admin, "/admin/categories")))

        # Categories: created and edited with their SEO fields, public at once.
        seo = {
            "meta_title": "Trucks for sale",
            "meta_description": "Every truck in one place",
            "is_active": "on",
        }
        made = await forms.done(
            "/admin/categories", {"name": "Trucks", "slug": "trucks-x", "position": "7", **seo}
        )
        assert made["notice"] == "created" and made["path"] == "/admin/categories"
        truck = int(made["target"])
        edited = {"name": "Heavy trucks", "slug": "heavy-trucks", "position": "7", **seo,
                  "meta_title": "Heavy trucks for sale"}  # fmt: skip
        assert (await forms.done(f"/admin/categories/{truck}", edited))["notice"] == "saved"
        listed = by_id(await public(cluster, "/api/v1/categories"), truck)
        assert (listed["name"], listed["slug"], listed["meta_title"], listed["meta_description"], listed["position"]) == (
            "Heavy trucks", "heavy-trucks", "Heavy trucks for sale", "Every truck in one place", 7
        )  # fmt: skip
        child = await forms.done(
            "/admin/categories",
            {"name": "Tippers", "slug": "tippers", "parent_id": str(truck), "is_active": "on"},
        )
        tippers = int(child["target"])
        assert by_id(await public(cluster, "/api/v1/categories"), tippers)["parent_id"] == truck
        # A taken slug is refused with a notice, and nothing is made.
        taken = await forms.done("/admin/categories", {"name": "Twin trucks", "slug": "heavy-trucks"})
        assert taken["notice"] == "taken" and "target" not in taken
        page = await shown(admin, taken["back"])
        assert "another category has this slug already" in page and "Twin trucks" not in page
        assert "Heavy trucks for sale" in await shown(admin, f"/admin/categories/{truck}")
        # A category with a subcategory is not deleted; without one, it is.
        kept = await forms.done(f"/admin/categories/{truck}/delete", {})
        assert kept["notice"] == "in_use" and kept["path"] == f"/admin/categories/{truck}"
        assert "still has subcategories" in await shown(admin, kept["back"])
        assert (await forms.done(f"/admin/categories/{tippers}/delete", {}))["notice"] == "deleted"
        assert [c["id"] for c in await public(cluster, "/api/v1/categories") if c["id"] == tippers] == []

        # Vehicle references: a brand, its model, the model's generation and its modification.
        car_type = (await public(cluster, "/api/v1/vehicles/types"))[0]["id"]
        petrol = (await public(cluster, "/api/v1/vehicles/fuel-types"))[0]["id"]
        brand_form = {
            "name": "Zeta Motors",
            "slug": "zeta-motors",
            "country": "Kazakhstan",
            "is_popular": "on",
        }
        brand = int((await forms.done("/admin/vehicles/brands", brand_form))["target"])
        assert (await forms.done("/admin/vehicles/brands", brand_form))["notice"] == "taken"
        brand_page = f"/admin/vehicles/brands/{brand}"
        model_form = {"vehicle_type_id": str(car_type), "name": "Z1", "slug": "z1", "year_from": "2020"}
        wrong = await forms.done(f"{brand_page}/models", {**model_form, "year_to": "2019"})
        assert (wrong["notice"], wrong["field"]) == ("invalid", "year_to")
        model_made = await forms.done(f"{brand_page}/models", model_form)
        assert model_made["path"] == brand_page
        model_page = f"{brand_page}/models/{model_made['target']}"
        generation = int(
            (await forms.done(f"{model_page}/generations", {"name": "I", "year_from": "2020"}))["target"]
        )
        generation_page = f"{model_page}/generations/{generation}"
        specs = {"name": "1.6 AT", "year_from": "2021", "engine_volume_l": "1.6", "power_hp": "120",
                 "fuel_type_id": str(petrol), "seats": "5", "price_new_rub": "2500000"}  # fmt: skip
        modification = int((await forms.done(f"{generation_page}/modifications", specs))["target"])
        fixed = await forms.done(
            f"{generation_page}/modifications/{modification}", {**specs, "power_hp": "125"}
        )
        assert fixed["notice"] == "saved"
        brands = await public(cluster, f"/api/v1/vehicles/brands?vehicle_type_id={car_type}")
        assert by_id(brands, brand) | {"id": 0} == {
            "id": 0, "name": "Zeta Motors", "slug": "zeta-motors", "country": "Kazakhstan", "is_popular": True,
            "vehicle_type_ids": [car_type],
        }  # fmt: skip
        models = await public(cluster, f"/api/v1/vehicles/models?brand_id={brand}")
        assert [(m["name"], m["year_from"], m["year_to"]) for m in models] == [("Z1", 2020, None)]
        assert [g["id"] for g in await public(cluster, f"/api/v1/vehicles/generations?model_id={models[0]['id']}")] == [
            generation
        ]  # fmt: skip
        trims = await public(cluster, f"/api/v1/vehicles/modifications?generation_id={generation}")
        assert [(t["id"], t["power_hp"], t["engine_volume_l"], t["fuel_type_id"], t["seats"]) for t in trims] == [
            (modification, 125, 1.6, petrol, 5)
        ]  # fmt: skip
        found = await shown(admin, "/admin/vehicles?q=zeta")
        assert re.findall(r'<tr id="(brand-\d+)">', found) == [f"brand-{brand}"]
        first = await shown(admin, "/admin/vehicles")  # by name, a page at a time
        assert (
            len(re.findall(r'<tr id="brand-', first)) == PAGE
            and 'href="/admin/vehicles?page=2" rel="next"' in first
        )
        assert "1.6 AT" in await shown(admin, generation_page)

        # Places: a region and a city in Kazakhstan, created and edited, found through the public API.
        countries = await public(cluster, "/api/v1/locations/countries")
        kz = next(country["id"] for country in countries if country["iso2"] == "KZ")
        country_page = f"/admin/locations/countries/{kz}"
        region_made = await forms.done(f"{country_page}/regions", {"name": "Test Oblast", "code": "KZ-TST"})
        region = int(region_made["target"])
        region_page = f"{country_page}/regions/{region}"
        renamed = await forms.done(region_page, {"name": "Testing Oblast", "code": "KZ-TST"})
        assert renamed["notice"] == "saved" and renamed["path"] == region_page
        city_form = {"name": "Testgrad", "latitude": "43.5", "longitude": "77.25", "population": "12345"}
        city = int((await forms.done(f"{region_page}/cities", city_form))["target"])
        assert (await forms.done(f"{region_page}/cities/{city}", {**city_form, "name": "Testograd"}))[
            "notice"
        ] == "saved"
        regions = await public(cluster, f"/api/v1/locations/regions?country_id={kz}")
        assert by_id(regions, region)["name"] == "Testing Oblast"
        cities = await public(cluster, f"/api/v1/locations/cities?region_id={region}")
        assert [(c["id"], c["name"], c["latitude"], c["population"]) for c in cities] == [
            (city, "Testograd", 43.5, 12345)
        ]  # fmt: skip
        nearby = await public(cluster, "/api/v1/locations/nearby?lat=43.5&lon=77.25&radius_km=1")
        assert [(c["id"], c["name"]) for c in nearby] == [(city, "Testograd")]
        bus = cluster.worker_bus  # the city goes by its new name only
        assert (await bus.request(FindCity(name="testograd"))).city == City.model_validate(cities[0])
        assert (await bus.request(FindCity(name="Testgrad"))).city is None
        assert f'id="city-{city}"' in await shown(admin, f"{region_page}?q=testo")
        assert f'id="region-{region}"' in await shown(admin, f"{country_page}?q=testing")

        # Every change is in the audit log, with what it was made to.
        logged = await audit_entries(admin)
        assert {
            ("create_reference", f"category {truck}"), ("update_reference", f"category {truck}"),
            ("delete_reference", f"category {tippers}"), ("create_reference", f"brand {brand}"),
            ("create_reference", f"generation {generation}"), ("update_reference", f"modification {modification}"),
            ("create_reference", f"region {region}"), ("update_reference", f"region {region}"),
            ("update_reference", f"city {city}"),
        } <= set(logged)  # fmt: skip
        assert len(logged) == 1 + 13  # the sign-in, 12 entries saved and 1 deleted; nothing refused


@pytest.mark.database_agnostic
async def test_reference_data_is_for_admins_with_the_form_token(cluster: Cluster) -> None:
    _admin_id, base = await admin_console(cluster, "admin@example.com")
    moderator_id, _ = await account(cluster.edge_a.post, "moderator@example.com")
    await given_role(cluster.settings.database.url, moderator_id, "moderator")
    async with console_at(base) as admin, console_at(base) as moderator:
        await admin.sign_in("admin@example.com")
        await moderator.sign_in("moderator@example.com")
        assert (await moderator.page("/admin/vehicles"))[0] == 403
        form = {"name": "Nobody", "slug": "nobody"}
        token = csrf_in((await moderator.page("/admin/vehicles"))[1])  # the refusal page has it too
        refused = await moderator.post("/admin/vehicles/brands", {"csrf": token, **form})
        assert refused.status == 403
        assert (await admin.post("/admin/vehicles/brands", form)).status == 403  # no token
        assert 'id="brand-' not in (await admin.page("/admin/vehicles?q=nobody"))[1]
    # The catalog worker checks the role itself.
    with pytest.raises(DomainError) as refused_there:
        await cluster.worker_bus.request(
            SaveBrand(name="Nobody", slug="nobody"), actor=Actor(user_id=moderator_id, role=Role.MODERATOR)
        )
    assert refused_there.value.code is ErrorCode.FORBIDDEN
