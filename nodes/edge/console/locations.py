"""Locations (admins), level by level, each page a place's edit form, the table of the places in it
(searched by name and paged by the catalog: `FindCountries`, `FindRegions`, `FindCities`) and a form
for a new one:

- `GET /admin/locations?q=&page=`: the countries; `POST /admin/locations/countries` (`SaveCountry`).
- `GET|POST /admin/locations/countries/{c}`: a country, its regions; `POST .../regions` (`SaveRegion`).
- `GET|POST .../regions/{r}`: a region, its cities, largest first; `POST .../cities` (`SaveCity`).
- `GET|POST .../cities/{city}`: a city (name, coordinates, population).

A place is found in the one its path names (else 404). Each change is in the audit log."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from nodes.edge.state import BUS
from protocols.catalog import (
    City,
    Country,
    FindCities,
    FindCountries,
    FindRegions,
    GetCity,
    ListCountries,
    ListRegions,
    Region,
    SaveCity,
    SaveCountry,
    SaveRegion,
)
from protocols.envelope import DomainError, ErrorCode

from .editing import EditQuery, Form, Input, Kind, Row, Table, reference_page, submit
from .pages import filters_of, page, page_size
from .sections import LOCATIONS
from .session import Staff
from .tables import pager

routes = web.RouteTableDef()

ROOT = "/admin/locations"
COUNTRY = ROOT + r"/countries/{country_id:\d{1,9}}"
REGION = COUNTRY + r"/regions/{region_id:\d{1,9}}"
CITY = REGION + r"/cities/{city_id:\d{1,9}}"

COUNTRY_INPUTS = (
    Input("name", "Name (English)", required=True, maxlength=100),
    Input("name_ru", "Name (Russian)", maxlength=100),
    Input("iso2", "ISO alpha-2", required=True, maxlength=2),
    Input("iso3", "ISO alpha-3", required=True, maxlength=3),
    Input("phone_code", "Phone code", maxlength=32),
    Input("currency", "Currency", maxlength=3),
)
REGION_INPUTS = (
    Input("name", "Name (English)", required=True, maxlength=200),
    Input("name_native", "Native name", maxlength=200),
    Input("code", "ISO 3166-2 code", maxlength=16),
)
CITY_INPUTS = (
    Input("name", "Name", required=True, maxlength=200),
    Input("latitude", "Latitude", "decimal", required=True),
    Input("longitude", "Longitude", "decimal", required=True),
    Input("population", "Population", "number"),
)


@dataclass(frozen=True)
class Chain:
    """The places a path names, each found in the one before."""

    country: Country
    region: Region | None = None
    city: City | None = None

    def path(self) -> str:
        """The page of the deepest place: a new place's form is sent from it and comes back to it."""
        path = f"{ROOT}/countries/{self.country.id}"
        if self.region is not None:
            path += f"/regions/{self.region.id}"
        return path + (f"/cities/{self.city.id}" if self.city is not None else "")

    def crumbs(self) -> list[tuple[str, str]]:
        above = [("Locations", ROOT)]
        if self.region is not None:
            above.append((self.country.name, Chain(self.country).path()))
        if self.city is not None:
            above.append((self.region.name, Chain(self.country, self.region).path()))  # type: ignore[union-attr]
        return above


def not_there(what: str) -> DomainError:
    return DomainError(ErrorCode.NOT_FOUND, f"There is no such {what} here.")


async def chain_of(request: web.Request, staff: Staff) -> Chain:
    bus, ids = request.app[BUS], {name: int(value) for name, value in request.match_info.items()}
    countries = (await bus.request(ListCountries(), actor=staff.actor)).items
    country = next((c for c in countries if c.id == ids["country_id"]), None)
    if country is None:
        raise not_there("country")
    if "region_id" not in ids:
        return Chain(country)
    regions = (await bus.request(ListRegions(country_id=country.id), actor=staff.actor)).items
    region = next((r for r in regions if r.id == ids["region_id"]), None)
    if region is None:
        raise not_there("region")
    if "city_id" not in ids:
        return Chain(country, region)
    city = await bus.request(GetCity(city_id=ids["city_id"]), actor=staff.actor)
    if city.region_id != region.id:
        raise not_there("city")
    return Chain(country, region, city)


@routes.get(ROOT)
@page(LOCATIONS)
async def countries(request: web.Request, staff: Staff) -> web.Response:
    query, size = filters_of(request, EditQuery), page_size(request)
    cmd = FindCountries(q=query.q, offset=query.offset(size), limit=size)
    found = await request.app[BUS].request(cmd, actor=staff.actor)
    rows = [Row(f"country-{c.id}", Chain(c).path(), (c.name, c.id, c.iso2, c.iso3, c.name_ru, c.currency))
            for c in found.items]  # fmt: skip
    headers = ("Name", "ID", "ISO 2", "ISO 3", "Russian", "Currency")
    context = {
        "heading": "Locations", "query": query, "notice": query.notice_text(),
        "table": Table("countries", "Countries", headers, rows, search=ROOT),
        **pager(ROOT, query, found.total, size),
        "create": Form(ROOT + "/countries", "New country", COUNTRY_INPUTS, submit="Create"),
    }  # fmt: skip
    return reference_page(request, staff, LOCATIONS, context)


@routes.get(COUNTRY)
@page(LOCATIONS)
async def country(request: web.Request, staff: Staff) -> web.Response:
    query, chain, size = filters_of(request, EditQuery), await chain_of(request, staff), page_size(request)
    here = chain.path()
    cmd = FindRegions(country_id=chain.country.id, q=query.q, offset=query.offset(size), limit=size)
    found = await request.app[BUS].request(cmd, actor=staff.actor)
    rows = [Row(f"region-{r.id}", f"{here}/regions/{r.id}", (r.name, r.id, r.code, r.name_native))
            for r in found.items]  # fmt: skip
    context = {
        "heading": chain.country.name, "crumbs": chain.crumbs(), "query": query, "notice": query.notice_text(),
        "edit": Form(here, f"Country #{chain.country.id}", COUNTRY_INPUTS, chain.country.model_dump()),
        "table": Table("regions", "Regions", ("Name", "ID", "Code", "Native name"), rows, search=here),
        **pager(here, query, found.total, size),
        "create": Form(here + "/regions", "New region", REGION_INPUTS, submit="Create"),
    }  # fmt: skip
    return reference_page(request, staff, LOCATIONS, context)


@routes.get(REGION)
@page(LOCATIONS)
async def region(request: web.Request, staff: Staff) -> web.Response:
    query, chain, size = filters_of(request, EditQuery), await chain_of(request, staff), page_size(request)
    assert chain.region is not None
    here = chain.path()
    cmd = FindCities(region_id=chain.region.id, q=query.q, offset=query.offset(size), limit=size)
    found = await request.app[BUS].request(cmd, actor=staff.actor)
    rows = [Row(f"city-{c.id}", f"{here}/cities/{c.id}", (c.name, c.id, c.latitude, c.longitude, c.population))
            for c in found.items]  # fmt: skip
    headers = ("Name", "ID", "Latitude", "Longitude", "Population")
    context = {
        "heading": chain.region.name, "crumbs": chain.crumbs(), "query": query, "notice": query.notice_text(),
        "edit": Form(here, f"Region #{chain.region.id}", REGION_INPUTS, chain.region.model_dump()),
        "table": Table("cities", "Cities", headers, rows, search=here), **pager(here, query, found.total, size),
        "create": Form(here + "/cities", "New city", CITY_INPUTS, {"population": 0}, submit="Create"),
    }  # fmt: skip
    return reference_page(request, staff, LOCATIONS, context)


@routes.get(CITY)
@page(LOCATIONS)
async def city(request: web.Request, staff: Staff) -> web.Response:
    query, chain = filters_of(request, EditQuery), await chain_of(request, staff)
    assert chain.city is not None
    context = {
        "heading": chain.city.name, "crumbs": chain.crumbs(), "query": query, "notice": query.notice_text(),
        "edit": Form(chain.path(), f"City #{chain.city.id}", CITY_INPUTS, chain.city.model_dump()),
    }  # fmt: skip
    return reference_page(request, staff, LOCATIONS, context)


# --- the forms -------------------------------------------------------------------------------------


@routes.post(ROOT + "/countries")
@page(LOCATIONS)
async def create_country(request: web.Request, staff: Staff) -> web.Response:
    return await submit(request, staff, COUNTRY_INPUTS, SaveCountry, kind=Kind.COUNTRY, back=ROOT)


@routes.post(COUNTRY)
@page(LOCATIONS)
async def save_country(request: web.Request, staff: Staff) -> web.Response:
    chain = await chain_of(request, staff)
    return await submit(request, staff, COUNTRY_INPUTS, SaveCountry, kind=Kind.COUNTRY, back=chain.path(),
                        fixed={"country_id": chain.country.id}, created=False)  # fmt: skip


# A new place's form is posted from its parent's page, a place's own from its page: `chain.path()`
# either way is where the browser goes back to.


@routes.post(COUNTRY + "/regions")
@routes.post(REGION)
@page(LOCATIONS)
async def save_region(request: web.Request, staff: Staff) -> web.Response:
    chain = await chain_of(request, staff)
    ids = {"country_id": chain.country.id, "region_id": chain.region.id if chain.region else None}
    return await submit(request, staff, REGION_INPUTS, SaveRegion, kind=Kind.REGION, back=chain.path(),
                        fixed=ids, created=chain.region is None)  # fmt: skip


@routes.post(REGION + "/cities")
@routes.post(CITY)
@page(LOCATIONS)
async def save_city(request: web.Request, staff: Staff) -> web.Response:
    chain = await chain_of(request, staff)
    assert chain.region is not None
    ids = {"country_id": chain.country.id, "region_id": chain.region.id,
           "city_id": chain.city.id if chain.city else None}  # fmt: skip
    return await submit(request, staff, CITY_INPUTS, SaveCity, kind=Kind.CITY, back=chain.path(),
                        fixed=ids, created=chain.city is None)  # fmt: skip
