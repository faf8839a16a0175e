"""An ad's references checked with the catalog over NATS (its tables are the catalog's own): the
category is an active one, each vehicle reference exists, and the cascade holds (a model of the
brand, a generation of the model, a modification of the generation)."""

from __future__ import annotations

from typing import Any

from nodes.runtime.bus import Bus
from protocols import catalog
from protocols.envelope import DomainError, ErrorCode

NAMED = {
    "vehicle_type_id": catalog.ReferenceKind.VEHICLE_TYPES,
    "body_type_id": catalog.ReferenceKind.BODY_TYPES,
    "transmission_id": catalog.ReferenceKind.TRANSMISSIONS,
    "fuel_type_id": catalog.ReferenceKind.FUEL_TYPES,
    "drive_type_id": catalog.ReferenceKind.DRIVE_TYPES,
}
# Each step of the cascade: the field, the field it needs, and the list of what is under that.
CASCADE = ("model_id", "generation_id", "modification_id")


def invalid(field: str, message: str) -> DomainError:
    error = {"type": "value_error", "loc": [field], "msg": message}
    return DomainError(ErrorCode.VALIDATION, f"{field}: {message}", {"errors": [error]})


async def _ids_under(bus: Bus, field: str, parent: int) -> set[int]:
    if field == "model_id":
        return {m.id for m in (await bus.request(catalog.ListVehicleModels(brand_id=parent))).items}
    if field == "generation_id":
        return {g.id for g in (await bus.request(catalog.ListGenerations(model_id=parent))).items}
    return {m.id for m in (await bus.request(catalog.ListModifications(generation_id=parent))).items}


async def check_references(bus: Bus, ad: dict[str, Any]) -> catalog.City | None:
    """Raises a validation error naming the first field of `ad` (an ad's full values) that the
    catalog does not know; else the ad's city, if it names one."""
    try:
        await bus.request(catalog.GetCategory(category_id=ad["category_id"]))
    except DomainError as exc:
        if exc.code is not ErrorCode.NOT_FOUND:
            raise
        raise invalid("category_id", "no such category") from None
    city = await _city(bus, ad.get("city_id"))
    for field, kind in NAMED.items():
        if ad.get(field) is not None:
            listed = await bus.request(catalog.ListReferences(kind=kind))
            if ad[field] not in {entry.id for entry in listed.items}:
                raise invalid(field, "no such entry")
    if ad.get("color_id") is not None and ad["color_id"] not in {
        c.id for c in (await bus.request(catalog.ListColors())).items
    }:
        raise invalid("color_id", "no such colour")
    if ad.get("brand_id") is not None and ad["brand_id"] not in {
        b.id for b in (await bus.request(catalog.ListBrands())).items
    }:
        raise invalid("brand_id", "no such brand")
    parent_field = "brand_id"
    for field in CASCADE:
        if ad.get(field) is not None:
            if ad.get(parent_field) is None:
                raise invalid(field, f"needs {parent_field}")
            if ad[field] not in await _ids_under(bus, field, ad[parent_field]):
                raise invalid(field, f"not one of {parent_field}'s")
        parent_field = field
    return city


async def _city(bus: Bus, city_id: int | None) -> catalog.City | None:
    if city_id is None:
        return None
    try:
        return await bus.request(catalog.GetCity(city_id=city_id))
    except DomainError as exc:
        if exc.code is not ErrorCode.NOT_FOUND:
            raise
        raise invalid("city_id", "no such city") from None
