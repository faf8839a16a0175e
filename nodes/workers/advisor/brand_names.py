"""What buyers call the catalog's brands besides their own names: Cyrillic spellings as Russians
write them (several for some: "хендай", "хёндай", "хундай"), nicknames and short forms. Keyed by the
brand's slug in the vehicle references; every brand with configurations has its entry here."""

from __future__ import annotations

from collections.abc import Mapping

BRAND_NAMES: Mapping[str, tuple[str, ...]] = {
    "bmw": ("бмв", "бэмвэ", "бумер"),
    "chery": ("чери", "черри"),
    "chevrolet": ("шевроле", "шевролет", "шеви", "chevy"),
    "geely": ("джили", "джилли"),
    "haval": ("хавал", "хавейл", "хавэйл"),
    "hyundai": ("хендай", "хёндай", "хундай", "хюндай", "хендэ", "хёндэ", "хюндэ"),
    "kia": ("киа",),
    "lada": ("лада", "ваз", "vaz", "жигули"),
    "mercedes-benz": ("мерседес", "мерседес-бенц", "мерс", "mercedes", "benz", "бенц"),
    "mitsubishi": ("мицубиси", "митсубиси", "мицубиши", "митсубиши"),
    "nissan": ("ниссан", "нисан"),
    "omoda": ("омода",),
    "renault": ("рено",),
    "skoda": ("шкода", "škoda"),
    "toyota": ("тойота", "таёта"),
    "volkswagen": ("фольксваген", "фольцваген", "фольксвагон", "vw", "фольц"),
}
