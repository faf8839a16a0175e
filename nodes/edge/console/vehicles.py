"""Vehicle references (admins), level by level, each page an entry's edit form, the table of what is
under it and a form for a new one:

- `GET /admin/vehicles?q=&page=`: the brands (the catalog's `FindBrands`, searched and paged there);
  `POST /admin/vehicles/brands` creates one (`SaveBrand`).
- `GET|POST /admin/vehicles/brands/{b}`: a brand, its models; `POST .../models` creates one
  (`SaveVehicleModel`).
- `GET|POST .../models/{m}`: a model, its generations; `POST .../generations` (`SaveGeneration`).
- `GET|POST .../generations/{g}`: a generation, its modifications; `POST .../modifications`
  (`SaveModification`, the specs as the catalog has them).
- `GET|POST .../modifications/{x}`: a modification.

An entry is found under the one its path names (else 404: a path cannot move a model to another
brand), in the catalog's cached lists. Each change is in the audit log."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from aiohttp import web

from nodes.edge.state import BUS
from protocols.catalog import (
    Brand,
    FindBrands,
    Generation,
    ListBrands,
    ListGenerations,
    ListModifications,
    ListReferences,
    ListVehicleModels,
    Modification,
    ReferenceKind,
    SaveBrand,
    SaveGeneration,
    SaveModification,
    SaveVehicleModel,
    VehicleModel,
)
from protocols.envelope import Command, DomainError, ErrorCode, Message

from .editing import EditQuery, Form, Input, Kind, Row, Table, listing, reference_page, submit
from .pages import filters_of, page, page_size
from .sections import VEHICLES
from .session import Staff
from .tables import pager

routes = web.RouteTableDef()

ROOT = "/admin/vehicles"
BRAND = ROOT + r"/brands/{brand_id:\d{1,9}}"
MODEL = BRAND + r"/models/{model_id:\d{1,9}}"
GENERATION = MODEL + r"/generations/{generation_id:\d{1,9}}"
MODIFICATION = GENERATION + r"/modifications/{modification_id:\d{1,9}}"
E = TypeVar("E", bound=Message)

YEARS = (Input("year_from", "From year", "number"), Input("year_to", "To year", "number"))
BRAND_INPUTS = (
    Input("name", "Name", required=True, maxlength=100),
    Input("slug", "Slug", required=True, maxlength=100),
    Input("country", "Country", maxlength=64),
    Input("is_popular", "Popular", "checkbox"),
)
GENERATION_INPUTS = (Input("name", "Name", required=True, maxlength=100), *YEARS)
SPECS = {  # a modification's references: its field, label and list
    "body_type_id": ("Body", ReferenceKind.BODY_TYPES),
    "fuel_type_id": ("Engine (fuel)", ReferenceKind.FUEL_TYPES),
    "transmission_id": ("Transmission", ReferenceKind.TRANSMISSIONS),
    "drive_type_id": ("Drive", ReferenceKind.DRIVE_TYPES),
}


LEVELS = ("brands", "models", "generations", "modifications")
Entry = Brand | VehicleModel | Generation | Modification


def path_of(entries: Sequence[Entry]) -> str:
    """The page of the last of `entries`, each under the one before."""
    return ROOT + "".join(f"/{level}/{entry.id}" for level, entry in zip(LEVELS, entries, strict=False))


@dataclass(frozen=True)
class Chain:
    """The entries a path names, each found under the one before."""

    brand: Brand
    model: VehicleModel | None = None
    generation: Generation | None = None
    modification: Modification | None = None

    @property
    def entries(self) -> list[Entry]:
        return [e for e in (self.brand, self.model, self.generation, self.modification) if e is not None]

    def path(self) -> str:
        """The page of the deepest entry: a new entry's form is sent from it and comes back to it."""
        return path_of(self.entries)

    def crumbs(self) -> list[tuple[str, str]]:
        entries = self.entries
        above = [(entry.name, path_of(entries[: depth + 1])) for depth, entry in enumerate(entries[:-1])]
        return [("Vehicle references", ROOT), *above]


def one(items: Sequence[E], entry_id: int, what: str) -> E:
    for item in items:
        if getattr(item, "id", None) == entry_id:
            return item
    raise DomainError(ErrorCode.NOT_FOUND, f"There is no such {what} here.")


async def ask(request: web.Request, staff: Staff, cmd: Command[E]) -> E:
    return await request.app[BUS].request(cmd, actor=staff.actor)


async def chain_of(request: web.Request, staff: Staff) -> Chain:
    ids = {name: int(value) for name, value in request.match_info.items()}
    brand = one((await ask(request, staff, ListBrands())).items, ids["brand_id"], "brand")
    if "model_id" not in ids:
        return Chain(brand)
    models = (await ask(request, staff, ListVehicleModels(brand_id=brand.id))).items
    model = one(models, ids["model_id"], "model")
    if "generation_id" not in ids:
        return Chain(brand, model)
    generations = (await ask(request, staff, ListGenerations(model_id=model.id))).items
    generation = one(generations, ids["generation_id"], "generation")
    if "modification_id" not in ids:
        return Chain(brand, model, generation)
    modifications = (await ask(request, staff, ListModifications(generation_id=generation.id))).items
    return Chain(brand, model, generation, one(modifications, ids["modification_id"], "modification"))


async def options(request: web.Request, staff: Staff, kind: ReferenceKind) -> list[tuple[int | str, str]]:
    listed = await ask(request, staff, ListReferences(kind=kind))
    return [(entry.id, f"{entry.name_en} ({entry.name})") for entry in listed.items]


async def model_inputs(request: web.Request, staff: Staff) -> tuple[Input, ...]:
    types = await options(request, staff, ReferenceKind.VEHICLE_TYPES)
    return (
        Input("vehicle_type_id", "Vehicle type", "select", required=True, options=types),
        Input("name", "Name", required=True, maxlength=100),
        Input("slug", "Slug", required=True, maxlength=100),
        *YEARS,
    )


async def modification_inputs(request: web.Request, staff: Staff) -> tuple[Input, ...]:
    lists = await asyncio.gather(*(options(request, staff, kind) for _label, kind in SPECS.values()))
    specs = {name: Input(name, label, "select", options=listed)
             for (name, (label, _kind)), listed in zip(SPECS.items(), lists, strict=True)}  # fmt: skip
    return (
        Input("name", "Name", required=True, maxlength=100), *YEARS, specs["body_type_id"],
        specs["fuel_type_id"], Input("engine_volume_l", "Engine (l)", "decimal"),
        Input("power_hp", "Power (hp)", "number"), specs["transmission_id"], specs["drive_type_id"],
        Input("seats", "Seats", "number"), Input("price_new_rub", "Price new (RUB)", "number"),
    )  # fmt: skip


def years(entry: VehicleModel | Generation | Modification) -> str:
    if entry.year_from is None and entry.year_to is None:
        return ""
    return f"{entry.year_from or '…'}–{entry.year_to or 'now'}"


@routes.get(ROOT)
@page(VEHICLES)
async def brands(request: web.Request, staff: Staff) -> web.Response:
    query = filters_of(request, EditQuery)
    size = page_size(request)
    found = await ask(request, staff, FindBrands(q=query.q, offset=query.offset(size), limit=size))
    rows = [Row(f"brand-{b.id}", Chain(b).path(),
                (b.name, b.id, b.slug, b.country, b.is_popular, ", ".join(map(str, b.vehicle_type_ids))))
            for b in found.items]  # fmt: skip
    headers = ("Name", "ID", "Slug", "Country", "Popular", "Vehicle types")
    context = {
        "heading": "Vehicle references", "query": query, "notice": query.notice_text(),
        "table": Table("brands", "Brands", headers, rows, search=ROOT), **pager(ROOT, query, found.total, size),
        "create": Form(ROOT + "/brands", "New brand", BRAND_INPUTS, submit="Create"),
    }  # fmt: skip
    return reference_page(request, staff, VEHICLES, context)


@routes.get(BRAND)
@page(VEHICLES)
async def brand(request: web.Request, staff: Staff) -> web.Response:
    query, chain = filters_of(request, EditQuery), await chain_of(request, staff)
    here, inputs = chain.path(), await model_inputs(request, staff)
    models = (await ask(request, staff, ListVehicleModels(brand_id=chain.brand.id))).items
    rows = [Row(f"model-{m.id}", f"{here}/models/{m.id}", (m.name, m.id, m.slug, m.vehicle_type_id, years(m)))
            for m in models]  # fmt: skip
    table = Table("models", "Models", ("Name", "ID", "Slug", "Vehicle type", "Years"), rows)
    context = {
        "heading": chain.brand.name, "crumbs": chain.crumbs(), "query": query, "notice": query.notice_text(),
        "edit": Form(here, f"Brand #{chain.brand.id}", BRAND_INPUTS, chain.brand.model_dump()),
        **listing(query, table, here, page_size(request)),
        "create": Form(here + "/models", "New model", inputs, submit="Create"),
    }  # fmt: skip
    return reference_page(request, staff, VEHICLES, context)


@routes.get(MODEL)
@page(VEHICLES)
async def model(request: web.Request, staff: Staff) -> web.Response:
    query, chain = filters_of(request, EditQuery), await chain_of(request, staff)
    assert chain.model is not None
    here, inputs = chain.path(), await model_inputs(request, staff)
    generations = (await ask(request, staff, ListGenerations(model_id=chain.model.id))).items
    rows = [
        Row(f"generation-{g.id}", f"{here}/generations/{g.id}", (g.name, g.id, years(g))) for g in generations
    ]
    table = Table("generations", "Generations", ("Name", "ID", "Years"), rows)
    context = {
        "heading": f"{chain.brand.name} {chain.model.name}", "crumbs": chain.crumbs(), "query": query,
        "notice": query.notice_text(),
        "edit": Form(here, f"Model #{chain.model.id}", inputs, chain.model.model_dump()),
        **listing(query, table, here, page_size(request)),
        "create": Form(here + "/generations", "New generation", GENERATION_INPUTS, submit="Create"),
    }  # fmt: skip
    return reference_page(request, staff, VEHICLES, context)


@routes.get(GENERATION)
@page(VEHICLES)
async def generation(request: web.Request, staff: Staff) -> web.Response:
    query, chain = filters_of(request, EditQuery), await chain_of(request, staff)
    assert chain.model is not None and chain.generation is not None
    here, inputs = chain.path(), await modification_inputs(request, staff)
    modifications = (await ask(request, staff, ListModifications(generation_id=chain.generation.id))).items
    rows = [Row(f"modification-{m.id}", f"{here}/modifications/{m.id}",
                (m.name, m.id, years(m), m.engine_volume_l, m.power_hp, m.seats)) for m in modifications]  # fmt: skip
    headers = ("Name", "ID", "Years", "Engine (l)", "Power (hp)", "Seats")
    context = {
        "heading": f"{chain.brand.name} {chain.model.name} {chain.generation.name}", "crumbs": chain.crumbs(),
        "query": query, "notice": query.notice_text(),
        "edit": Form(here, f"Generation #{chain.generation.id}", GENERATION_INPUTS, chain.generation.model_dump()),
        **listing(query, Table("modifications", "Modifications", headers, rows), here, page_size(request)),
        "create": Form(here + "/modifications", "New modification", inputs, submit="Create"),
    }  # fmt: skip
    return reference_page(request, staff, VEHICLES, context)


@routes.get(MODIFICATION)
@page(VEHICLES)
async def modification(request: web.Request, staff: Staff) -> web.Response:
    query, chain = filters_of(request, EditQuery), await chain_of(request, staff)
    assert chain.modification is not None
    inputs = await modification_inputs(request, staff)
    context = {
        "heading": chain.modification.name, "crumbs": chain.crumbs(), "query": query,
        "notice": query.notice_text(),
        "edit": Form(chain.path(), f"Modification #{chain.modification.id}", inputs,
                     chain.modification.model_dump()),
    }  # fmt: skip
    return reference_page(request, staff, VEHICLES, context)


# --- the forms -------------------------------------------------------------------------------------


@routes.post(ROOT + "/brands")
@page(VEHICLES)
async def create_brand(request: web.Request, staff: Staff) -> web.Response:
    return await submit(request, staff, BRAND_INPUTS, SaveBrand, kind=Kind.BRAND, back=ROOT)


@routes.post(BRAND)
@page(VEHICLES)
async def save_brand(request: web.Request, staff: Staff) -> web.Response:
    chain = await chain_of(request, staff)
    return await submit(request, staff, BRAND_INPUTS, SaveBrand, kind=Kind.BRAND, back=chain.path(),
                        fixed={"brand_id": chain.brand.id}, created=False)  # fmt: skip


# A new entry's form is posted from its parent's page, an entry's own from its page: `chain.path()`
# either way is where the browser goes back to.


@routes.post(BRAND + "/models")
@routes.post(MODEL)
@page(VEHICLES)
async def save_model(request: web.Request, staff: Staff) -> web.Response:
    chain = await chain_of(request, staff)
    ids = {"brand_id": chain.brand.id, "model_id": chain.model.id if chain.model else None}
    return await submit(request, staff, await model_inputs(request, staff), SaveVehicleModel, kind=Kind.MODEL,
                        back=chain.path(), fixed=ids, created=chain.model is None)  # fmt: skip


@routes.post(MODEL + "/generations")
@routes.post(GENERATION)
@page(VEHICLES)
async def save_generation(request: web.Request, staff: Staff) -> web.Response:
    chain = await chain_of(request, staff)
    assert chain.model is not None
    ids = {"model_id": chain.model.id, "generation_id": chain.generation.id if chain.generation else None}
    return await submit(request, staff, GENERATION_INPUTS, SaveGeneration, kind=Kind.GENERATION,
                        back=chain.path(), fixed=ids, created=chain.generation is None)  # fmt: skip


@routes.post(GENERATION + "/modifications")
@routes.post(MODIFICATION)
@page(VEHICLES)
async def save_modification(request: web.Request, staff: Staff) -> web.Response:
    chain = await chain_of(request, staff)
    assert chain.generation is not None
    ids = {"generation_id": chain.generation.id,
           "modification_id": chain.modification.id if chain.modification else None}  # fmt: skip
    inputs = await modification_inputs(request, staff)
    return await submit(request, staff, inputs, SaveModification, kind=Kind.MODIFICATION, back=chain.path(),
                        fixed=ids, created=chain.modification is None)  # fmt: skip
