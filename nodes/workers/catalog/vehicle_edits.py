"""Admins add to the vehicle references and correct them (`SaveBrand`, `SaveVehicleModel`,
`SaveGeneration`, `SaveModification`), and browse the brands a page at a time (`FindBrands`). Every
write makes each catalog worker read the references again (`changed`), so the public lists and the
car configurations the advisor indexes show it at once (their versions move on)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from protocols import catalog as wire
from protocols.envelope import Actor, DomainError, ErrorCode
from storage.models import catalog as tables
from storage.models.base import Base

from . import edit_queries
from .deps import CatalogDeps
from .handlers import handlers
from .references import brand_view, generation_view, model_view, modification_view
from .staff import check_years, invalid, require_admin, saved

BRAND_SLUG_TAKEN = "A brand with this slug already exists"
MODEL_SLUG_TAKEN = "The brand has a model with this slug already"
# A modification's references: each field with the table it names a row of.
SPECS: dict[str, type[Base]] = {
    "body_type_id": tables.BodyType,
    "fuel_type_id": tables.FuelType,
    "transmission_id": tables.Transmission,
    "drive_type_id": tables.DriveType,
}


async def changed(deps: CatalogDeps) -> None:
    """After a write: this worker reads the references again at once, the other replicas on the event."""
    deps.references.drop()
    if deps.bus is not None:
        await deps.bus.publish(wire.VehicleReferencesChanged())


async def require(db: AsyncSession, table: type[Base], row_id: int | None, field: str) -> None:
    if row_id is not None and not await edit_queries.found(db, table, row_id):
        raise invalid(field, "no such entry")


@handlers.on(wire.SaveBrand)
async def save_brand(cmd: wire.SaveBrand, actor: Actor, deps: CatalogDeps) -> wire.Brand:
    require_admin(actor)
    values = cmd.model_dump(exclude={"brand_id"})

    async def save(db: AsyncSession) -> wire.Brand | None:
        if await edit_queries.taken(db, tables.Brand, [tables.Brand.slug == cmd.slug], but=cmd.brand_id):
            raise DomainError(ErrorCode.CONFLICT, BRAND_SLUG_TAKEN)
        row = await edit_queries.save(db, tables.Brand, cmd.brand_id, values)
        if row is None:
            return None
        types = await edit_queries.brand_types(db, [row.id])
        return brand_view(row, types.get(row.id, []))

    return await saved(
        deps, save, then=lambda _entry: changed(deps), missing="Brand not found", conflict=BRAND_SLUG_TAKEN
    )


@handlers.on(wire.SaveVehicleModel)
async def save_model(cmd: wire.SaveVehicleModel, actor: Actor, deps: CatalogDeps) -> wire.VehicleModel:
    require_admin(actor)
    check_years(cmd.year_from, cmd.year_to)
    values = cmd.model_dump(exclude={"model_id"})

    async def save(db: AsyncSession) -> wire.VehicleModel | None:
        await require(db, tables.Brand, cmd.brand_id, "brand_id")
        await require(db, tables.VehicleType, cmd.vehicle_type_id, "vehicle_type_id")
        same_slug = [tables.VehicleModel.brand_id == cmd.brand_id, tables.VehicleModel.slug == cmd.slug]
        if await edit_queries.taken(db, tables.VehicleModel, same_slug, but=cmd.model_id):
            raise DomainError(ErrorCode.CONFLICT, MODEL_SLUG_TAKEN)
        before = await db.get(tables.VehicleModel, cmd.model_id) if cmd.model_id is not None else None
        brands = {cmd.brand_id} | ({before.brand_id} if before is not None else set())
        row = await edit_queries.save(db, tables.VehicleModel, cmd.model_id, values)
        if row is None:
            return None
        await edit_queries.sync_brand_types(db, brands)  # the brand's types follow its models'
        return model_view(row)

    return await saved(
        deps, save, then=lambda _entry: changed(deps), missing="Model not found", conflict=MODEL_SLUG_TAKEN
    )


@handlers.on(wire.SaveGeneration)
async def save_generation(cmd: wire.SaveGeneration, actor: Actor, deps: CatalogDeps) -> wire.Generation:
    require_admin(actor)
    check_years(cmd.year_from, cmd.year_to)

    async def save(db: AsyncSession) -> wire.Generation | None:
        await require(db, tables.VehicleModel, cmd.model_id, "model_id")
        row = await edit_queries.save(
            db, tables.Generation, cmd.generation_id, cmd.model_dump(exclude={"generation_id"})
        )
        return None if row is None else generation_view(row)

    return await saved(deps, save, then=lambda _entry: changed(deps), missing="Generation not found")


@handlers.on(wire.SaveModification)
async def save_modification(cmd: wire.SaveModification, actor: Actor, deps: CatalogDeps) -> wire.Modification:
    require_admin(actor)
    check_years(cmd.year_from, cmd.year_to)

    async def save(db: AsyncSession) -> wire.Modification | None:
        await require(db, tables.Generation, cmd.generation_id, "generation_id")
        for field, table in SPECS.items():
            await require(db, table, getattr(cmd, field), field)
        row = await edit_queries.save(
            db, tables.Modification, cmd.modification_id, cmd.model_dump(exclude={"modification_id"})
        )
        return None if row is None else modification_view(row)

    return await saved(deps, save, then=lambda _entry: changed(deps), missing="Modification not found")


@handlers.on(wire.FindBrands)
async def find_brands(cmd: wire.FindBrands, _actor: Actor, deps: CatalogDeps) -> wire.BrandPage:
    async with deps.read_db() as db:
        rows, total = await edit_queries.paged(db, edit_queries.brands(cmd.q), cmd.offset, cmd.limit)
        types = await edit_queries.brand_types(db, [row.id for row in rows])
    return wire.BrandPage(items=[brand_view(row, types.get(row.id, [])) for row in rows], total=total)
