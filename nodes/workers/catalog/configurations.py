"""The car configurations (`ListCarConfigurations`): every modification joined to its generation, model
and brand, its references named by slug, built once with the vehicle references' snapshot and paged to
one reply's budget."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from nodes.runtime.payloads import within_budget
from protocols import catalog as wire

from .cache import version_of


@dataclass(frozen=True)
class Configurations:
    items: list[wire.CarConfiguration]  # by id
    version: str

    def page(self, after_id: int) -> wire.CarConfigurationPage:
        start = bisect_right([item.id for item in self.items], after_id)
        kept = within_budget(self.items[start:])
        more = start + len(kept) < len(self.items)
        next_after = kept[-1].id if more and kept else None
        return wire.CarConfigurationPage(items=kept, version=self.version, next_after_id=next_after)


def _slugs(references: wire.ReferenceList) -> dict[int, str]:
    return {entry.id: entry.slug for entry in references.items}


def configurations(
    named: Mapping[wire.ReferenceKind, wire.ReferenceList],
    brands: Sequence[wire.Brand],
    models: Sequence[wire.VehicleModel],
    generations: Sequence[wire.Generation],
    modifications: Sequence[wire.Modification],
) -> Configurations:
    kinds = wire.ReferenceKind
    body, fuel = _slugs(named[kinds.BODY_TYPES]), _slugs(named[kinds.FUEL_TYPES])
    gearbox, drive = _slugs(named[kinds.TRANSMISSIONS]), _slugs(named[kinds.DRIVE_TYPES])
    brand_of = {brand.id: brand for brand in brands}
    model_of = {model.id: model for model in models}
    generation_of = {generation.id: generation for generation in generations}

    def slug(slugs: dict[int, str], ref_id: int | None) -> str | None:
        return None if ref_id is None else slugs.get(ref_id)

    items = []
    for m in sorted(modifications, key=lambda m: m.id):
        generation = generation_of[m.generation_id]
        model = model_of[generation.model_id]
        brand = brand_of[model.brand_id]
        items.append(
            wire.CarConfiguration(
                id=m.id,
                name=m.name,
                year_from=m.year_from,
                year_to=m.year_to,
                body_type=slug(body, m.body_type_id),
                engine_type=slug(fuel, m.fuel_type_id),
                engine_volume_l=m.engine_volume_l,
                power_hp=m.power_hp,
                transmission=slug(gearbox, m.transmission_id),
                drive=slug(drive, m.drive_type_id),
                seats=m.seats,
                price_new_rub=m.price_new_rub,
                generation_id=generation.id,
                generation=generation.name,
                model_id=model.id,
                model=model.name,
                model_slug=model.slug,
                brand_id=brand.id,
                brand=brand.name,
                brand_slug=brand.slug,
            )
        )
    return Configurations(items=items, version=version_of(items))
