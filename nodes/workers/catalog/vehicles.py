"""Vehicle references: the plain lists, colours, and the cascade brand → model → generation →
modification, each filtered by its parent (modifications always). An unknown parent has nothing under
it (an empty list). The car configurations: every modification with what it belongs to, for the
advisor's catalog."""

from __future__ import annotations

from protocols import catalog as wire
from protocols.envelope import Actor

from .cache import listed
from .deps import CatalogDeps
from .handlers import handlers

NO_BRANDS = listed(wire.BrandList, [])
NO_MODELS = listed(wire.VehicleModelList, [])
NO_GENERATIONS = listed(wire.GenerationList, [])
NO_MODIFICATIONS = listed(wire.ModificationList, [])


@handlers.on(wire.ListReferences)
async def list_references(cmd: wire.ListReferences, _actor: Actor, deps: CatalogDeps) -> wire.ReferenceList:
    return (await deps.references.get()).named[cmd.kind]


@handlers.on(wire.ListColors)
async def list_colors(_cmd: wire.ListColors, _actor: Actor, deps: CatalogDeps) -> wire.ColorList:
    return (await deps.references.get()).colors


@handlers.on(wire.ListBrands)
async def list_brands(cmd: wire.ListBrands, _actor: Actor, deps: CatalogDeps) -> wire.BrandList:
    snapshot = await deps.references.get()
    if cmd.vehicle_type_id is None:
        return snapshot.brands
    return snapshot.brands_by_type.get(cmd.vehicle_type_id, NO_BRANDS)


@handlers.on(wire.ListVehicleModels)
async def list_models(cmd: wire.ListVehicleModels, _actor: Actor, deps: CatalogDeps) -> wire.VehicleModelList:
    snapshot = await deps.references.get()
    if cmd.brand_id is None:
        return snapshot.models
    return snapshot.models_by_brand.get(cmd.brand_id, NO_MODELS)


@handlers.on(wire.ListGenerations)
async def list_generations(
    cmd: wire.ListGenerations, _actor: Actor, deps: CatalogDeps
) -> wire.GenerationList:
    snapshot = await deps.references.get()
    if cmd.model_id is None:
        return snapshot.generations
    return snapshot.generations_by_model.get(cmd.model_id, NO_GENERATIONS)


@handlers.on(wire.ListModifications)
async def list_modifications(
    cmd: wire.ListModifications, _actor: Actor, deps: CatalogDeps
) -> wire.ModificationList:
    snapshot = await deps.references.get()
    return snapshot.modifications_by_generation.get(cmd.generation_id, NO_MODIFICATIONS)


@handlers.on(wire.ListCarConfigurations)
async def list_car_configurations(
    cmd: wire.ListCarConfigurations, _actor: Actor, deps: CatalogDeps
) -> wire.CarConfigurationPage:
    found = (await deps.references.get()).configurations
    if cmd.known_version == found.version:
        return wire.CarConfigurationPage(items=[], version=found.version, next_after_id=None)
    return found.page(cmd.after_id)
