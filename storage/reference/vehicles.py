"""vehicles.json as table rows, ids assigned in the file's order (so they stay the same as long as entries
are only appended): what the catalog migration bulk-inserts. A slug the file names but does not define
is refused with where it was named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

VEHICLES_FILE = Path(__file__).with_name("vehicles.json")

Row = dict[str, Any]
# The plain lists: the file's key and its table, in the order they are inserted.
NAMED_LISTS = {
    "vehicle_types": "catalog_vehicle_types",
    "body_types": "catalog_body_types",
    "transmissions": "catalog_transmissions",
    "fuel_types": "catalog_fuel_types",
    "drive_types": "catalog_drive_types",
    "colors": "catalog_colors",
}


class ReferenceDataError(ValueError):
    """The data file contradicts itself."""


def _ids(entries: list[Row], what: str) -> dict[str, int]:
    ids: dict[str, int] = {}
    for entry in entries:
        if entry["slug"] in ids:
            raise ReferenceDataError(f"{what}: slug {entry['slug']!r} twice")
        ids[entry["slug"]] = len(ids) + 1
    return ids


def _named_rows(entries: list[Row]) -> list[Row]:
    rows = []
    for number, entry in enumerate(entries, start=1):
        row = {"id": number, "slug": entry["slug"], "name": entry["name"], "name_en": entry["name_en"]}
        if "hex" in entry:
            row["hex"] = entry["hex"]
        rows.append(row)
    return rows


class _Builder:
    """Walks the brands once, numbering models, generations and modifications as it meets them."""

    def __init__(self, data: Row) -> None:
        self.slugs = {key: _ids(data[key], key) for key in NAMED_LISTS}
        self.rows: dict[str, list[Row]] = {
            table: _named_rows(data[key]) for key, table in NAMED_LISTS.items()
        }
        for table in ("catalog_brands", "catalog_brand_vehicle_types", "catalog_models",
                      "catalog_generations", "catalog_modifications"):  # fmt: skip
            self.rows[table] = []

    def id_of(self, key: str, slug: str | None, where: str) -> int | None:
        if slug is None:
            return None
        found = self.slugs[key].get(slug)
        if found is None:
            raise ReferenceDataError(f"{where}: no {key} {slug!r}")
        return found

    def add(self, table: str, row: Row) -> int:
        rows = self.rows[table]
        rows.append({"id": len(rows) + 1, **row})
        return len(rows)

    def brand(self, brand: Row) -> None:
        brand_id = self.add("catalog_brands", {
            "name": brand["name"], "slug": brand["slug"], "country": brand.get("country"),
            "is_popular": bool(brand.get("popular", False)),
        })  # fmt: skip
        types: set[int] = set()
        for model in brand.get("models", []):
            where = f"{brand['name']} {model['name']}"
            type_id = self.id_of("vehicle_types", model["vehicle_type"], where)
            if type_id is None:
                raise ReferenceDataError(f"{where}: no vehicle_type")
            types.add(type_id)
            model_id = self.add("catalog_models", {
                "brand_id": brand_id, "vehicle_type_id": type_id, "name": model["name"],
                "slug": model["slug"], "year_from": model.get("year_from"), "year_to": model.get("year_to"),
            })  # fmt: skip
            for generation in model.get("generations", []):
                self.generation(model_id, generation, f"{where} {generation['name']}")
        for type_id in sorted(types):
            self.rows["catalog_brand_vehicle_types"].append(
                {"brand_id": brand_id, "vehicle_type_id": type_id}
            )

    def generation(self, model_id: int, generation: Row, where: str) -> None:
        generation_id = self.add("catalog_generations", {
            "model_id": model_id, "name": generation["name"],
            "year_from": generation.get("year_from"), "year_to": generation.get("year_to"),
        })  # fmt: skip
        for mod in generation.get("modifications", []):
            at = f"{where} {mod['name']}"
            self.add("catalog_modifications", {
                "generation_id": generation_id, "name": mod["name"],
                "year_from": mod.get("year_from"), "year_to": mod.get("year_to"),
                "body_type_id": self.id_of("body_types", mod.get("body_type"), at),
                "fuel_type_id": self.id_of("fuel_types", mod.get("engine_type"), at),
                "engine_volume_l": mod.get("engine_volume_l"), "power_hp": mod.get("power_hp"),
                "transmission_id": self.id_of("transmissions", mod.get("transmission"), at),
                "drive_type_id": self.id_of("drive_types", mod.get("drive"), at),
                "seats": mod.get("seats"), "price_new_rub": mod.get("price_new_rub"),
            })  # fmt: skip


def vehicle_rows(path: Path = VEHICLES_FILE) -> dict[str, list[Row]]:
    """Each table's rows, keyed by table name in an order that inserts referenced rows first."""
    data = orjson.loads(path.read_bytes())
    builder = _Builder(data)
    brand_slugs: set[str] = set()
    for brand in data["brands"]:
        if brand["slug"] in brand_slugs:
            raise ReferenceDataError(f"brands: slug {brand['slug']!r} twice")
        brand_slugs.add(brand["slug"])
        builder.brand(brand)
    return builder.rows
