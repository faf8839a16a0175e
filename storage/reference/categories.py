"""MillionAvto's seven categories (seeds/000, "Categories Available") and their subcategories, as the
catalog migration seeds them. Ids are assigned in this order, the seven top-level ones first (1-7),
then the subcategories, so that a client that knows "category 1: cars" finds it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BRAND = "MillionAvto"


@dataclass(frozen=True)
class Seeded:
    slug: str
    name: str  # Russian, as the document names it
    name_en: str  # for the SEO fields
    children: tuple[Seeded, ...] = ()


CATEGORIES: tuple[Seeded, ...] = (
    Seeded("cars", "Автомобили", "Cars", (
        Seeded("cars-used", "С пробегом", "Used cars"),
        Seeded("cars-new", "Новые", "New cars"),
        Seeded("cars-damaged", "Битые и на запчасти", "Damaged cars and cars for parts"),
    )),
    Seeded("trucks-special", "Грузовики и спецтехника", "Trucks & Special Equipment", (
        Seeded("trucks", "Грузовики", "Trucks"),
        Seeded("light-commercial", "Лёгкий коммерческий транспорт", "Light commercial vehicles"),
        Seeded("buses", "Автобусы", "Buses"),
        Seeded("trailers", "Прицепы и полуприцепы", "Trailers and semi-trailers"),
        Seeded("construction-machinery", "Строительная техника", "Construction machinery"),
        Seeded("agricultural-machinery", "Сельхозтехника", "Agricultural machinery"),
    )),
    Seeded("motorcycles", "Мотоциклы", "Motorcycles", (
        Seeded("road-motorcycles", "Дорожные мотоциклы", "Road motorcycles"),
        Seeded("offroad-motorcycles", "Кроссовые и эндуро", "Motocross and enduro"),
        Seeded("scooters", "Скутеры и мопеды", "Scooters and mopeds"),
        Seeded("atvs", "Квадроциклы", "ATVs"),
        Seeded("snowmobiles", "Снегоходы", "Snowmobiles"),
    )),
    Seeded("boats", "Лодки и катера", "Boats & Watercraft", (
        Seeded("motor-boats", "Моторные лодки", "Motor boats"),
        Seeded("inflatable-boats", "Надувные лодки", "Inflatable boats"),
        Seeded("yachts", "Катера и яхты", "Cutters and yachts"),
        Seeded("jet-skis", "Гидроциклы", "Jet skis"),
    )),
    Seeded("rental", "Аренда", "Rental", (
        Seeded("car-rental", "Аренда автомобилей", "Car rental"),
        Seeded("rent-to-own", "Аренда с выкупом", "Rent to own"),
        Seeded("machinery-rental", "Аренда спецтехники", "Special equipment rental"),
        Seeded("motorcycle-rental", "Аренда мототехники", "Motorcycle rental"),
    )),
    Seeded("import-cars", "Авто на заказ", "Import Cars", (
        Seeded("import-japan", "Из Японии", "From Japan"),
        Seeded("import-korea", "Из Кореи", "From Korea"),
        Seeded("import-china", "Из Китая", "From China"),
        Seeded("import-europe", "Из Европы", "From Europe"),
        Seeded("import-usa", "Из США", "From the USA"),
        Seeded("import-uae", "Из ОАЭ", "From the UAE"),
    )),
    Seeded("diy-custom", "Самоделки", "DIY/Custom Vehicles", (
        Seeded("custom-cars", "Автомобили-самоделки", "Custom-built cars"),
        Seeded("custom-motorcycles", "Мототехника-самоделки", "Custom-built motorcycles"),
        Seeded("custom-all-terrain", "Вездеходы и трициклы", "All-terrain vehicles and trikes"),
    )),
)  # fmt: skip


def category_rows(now: Any) -> list[dict[str, Any]]:
    """The rows of `catalog_categories`, ids given: the top-level categories, then each one's children."""
    rows: list[dict[str, Any]] = []

    def row(seeded: Seeded, parent_id: int | None, position: int) -> int:
        rows.append({
            "id": len(rows) + 1, "parent_id": parent_id, "name": seeded.name, "slug": seeded.slug,
            "meta_title": f"{seeded.name_en} — {BRAND}",
            "meta_description": f"{seeded.name_en}: listings on {BRAND}, the car marketplace.",
            "position": position, "is_active": True, "created_at": now, "updated_at": now,
        })  # fmt: skip
        return len(rows)

    parents = [row(top, None, position) for position, top in enumerate(CATEGORIES, start=1)]
    for parent_id, top in zip(parents, CATEGORIES, strict=True):
        for position, child in enumerate(top.children, start=1):
            row(child, parent_id, position)
    return rows
