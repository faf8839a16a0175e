"""The vehicle references as one snapshot in memory: every list reply built once, the filtered ones
(brands of a type, models of a brand, ...) grouped in advance. The rows come from a migration; an
admin's write (vehicle_edits) drops the snapshot in every worker, which reads it again on its next use."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from protocols import catalog as wire
from storage.models import catalog as tables

from . import queries
from .cache import grouped, listed
from .configurations import Configurations, configurations

NAMED_TABLES: dict[wire.ReferenceKind, queries.NamedTable] = {
    wire.ReferenceKind.VEHICLE_TYPES: tables.VehicleType,
    wire.ReferenceKind.BODY_TYPES: tables.BodyType,
    wire.ReferenceKind.TRANSMISSIONS: tables.Transmission,
    wire.ReferenceKind.FUEL_TYPES: tables.FuelType,
    wire.ReferenceKind.DRIVE_TYPES: tables.DriveType,
}


@dataclass(frozen=True)
class Snapshot:
    named: dict[wire.ReferenceKind, wire.ReferenceList]
    colors: wire.ColorList
    brands: wire.BrandList
    models: wire.VehicleModelList
    generations: wire.GenerationList
    brands_by_type: dict[int, wire.BrandList]
    models_by_brand: dict[int, wire.VehicleModelList]
    generations_by_model: dict[int, wire.GenerationList]
    modifications_by_generation: dict[int, wire.ModificationList]
    configurations: Configurations  # every modification with its generation, model and brand


def _named(row: tables.VehicleType) -> wire.Reference:
    return wire.Reference(id=row.id, slug=row.slug, name=row.name, name_en=row.name_en)


def _color(row: tables.Color) -> wire.Color:
    return wire.Color(id=row.id, slug=row.slug, name=row.name, name_en=row.name_en, hex=row.hex)


def brand_view(row: tables.Brand, type_ids: list[int]) -> wire.Brand:
    return wire.Brand(
        id=row.id, name=row.name, slug=row.slug, country=row.country, is_popular=row.is_popular,
        vehicle_type_ids=type_ids,
    )  # fmt: skip


def model_view(row: tables.VehicleModel) -> wire.VehicleModel:
    return wire.VehicleModel(
        id=row.id, brand_id=row.brand_id, vehicle_type_id=row.vehicle_type_id, name=row.name, slug=row.slug,
        year_from=row.year_from, year_to=row.year_to,
    )  # fmt: skip


def generation_view(row: tables.Generation) -> wire.Generation:
    return wire.Generation(
        id=row.id, model_id=row.model_id, name=row.name, year_from=row.year_from, year_to=row.year_to
    )


def modification_view(row: tables.Modification) -> wire.Modification:
    return wire.Modification(
        id=row.id, generation_id=row.generation_id, name=row.name, year_from=row.year_from,
        year_to=row.year_to, body_type_id=row.body_type_id, fuel_type_id=row.fuel_type_id,
        engine_volume_l=row.engine_volume_l, power_hp=row.power_hp, transmission_id=row.transmission_id,
        drive_type_id=row.drive_type_id, seats=row.seats, price_new_rub=row.price_new_rub,
    )  # fmt: skip


async def load_snapshot(sessions: async_sessionmaker[AsyncSession]) -> Snapshot:
    async with sessions() as db:
        named = {
            kind: listed(wire.ReferenceList, [_named(row) for row in await queries.named(db, table)])
            for kind, table in NAMED_TABLES.items()
        }
        colors = [_color(row) for row in await queries.colors(db)]
        types_of = await queries.brand_vehicle_types(db)
        brands = [brand_view(row, types_of.get(row.id, [])) for row in await queries.brands(db)]
        models = [model_view(row) for row in await queries.models(db)]
        generations = [generation_view(row) for row in await queries.generations(db)]
        modifications = [modification_view(row) for row in await queries.modifications(db)]
    return Snapshot(
        named=named,
        colors=listed(wire.ColorList, colors),
        brands=listed(wire.BrandList, brands),
        models=listed(wire.VehicleModelList, models),
        generations=listed(wire.GenerationList, generations),
        brands_by_type=grouped(wire.BrandList, brands, lambda b: b.vehicle_type_ids),
        models_by_brand=grouped(wire.VehicleModelList, models, lambda m: (m.brand_id,)),
        generations_by_model=grouped(wire.GenerationList, generations, lambda g: (g.model_id,)),
        modifications_by_generation=grouped(
            wire.ModificationList, modifications, lambda m: (m.generation_id,)
        ),
        configurations=configurations(named, brands, models, generations, modifications),
    )
