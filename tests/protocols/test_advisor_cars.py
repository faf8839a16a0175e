"""The advisor catalog's words against the vehicle references they stand for: one member per entry,
the reference's own names read back to it, and no name read as two members."""

from __future__ import annotations

import json
from collections import Counter
from enum import StrEnum
from pathlib import Path

import pytest

from protocols.advisor_cars import NAMES, BodyType, Drive, EngineType, Transmission, folded, word_of

VEHICLES = Path(__file__).parents[2] / "storage" / "reference" / "vehicles.json"
KINDS: dict[str, type[StrEnum]] = {
    "body_types": BodyType,
    "fuel_types": EngineType,
    "transmissions": Transmission,
    "drive_types": Drive,
}


@pytest.mark.parametrize("key", KINDS)
def test_each_reference_entry_is_a_member_read_from_its_names(key: str) -> None:
    kind = KINDS[key]
    entries = json.loads(VEHICLES.read_text(encoding="utf-8"))[key]
    assert {entry["slug"] for entry in entries} == {member.value for member in kind}
    for entry in entries:
        member = kind(entry["slug"])
        for name in (entry["slug"], entry["name"], entry["name_en"], entry["name"].upper()):
            assert word_of(kind, name) is member, name  # type: ignore[type-var]
    # Each member's names folded, then counted across the members: none is two members'.
    names = Counter(name for member in kind for name in {folded(n) for n in (member.value, *NAMES[member])})
    assert [name for name, seen in names.items() if seen > 1] == []


@pytest.mark.parametrize(
    ("kind", "name", "member"),
    [
        (Transmission, "автомат", Transmission.AUTOMATIC),
        (Transmission, "МЕХАНИКА", Transmission.MANUAL),
        (Transmission, "  АКПП ", Transmission.AUTOMATIC),
        (Drive, "полный", Drive.AWD),
        (Drive, "AWD", Drive.AWD),
        (Drive, "4x4", Drive.FOUR_WD),
        (Drive, "front wheel drive", Drive.FWD),
        (EngineType, "бензин", EngineType.PETROL),
        (EngineType, "Electric", EngineType.ELECTRIC),
        (EngineType, "plug_in_hybrid", EngineType.PLUG_IN_HYBRID),
        (BodyType, "хетчбек", BodyType.HATCHBACK),
        (BodyType, "Внедорожник", BodyType.SUV),
        (BodyType, "автомат", None),  # another kind's word
        (Drive, "", None),
        (EngineType, "бензин!", None),
    ],
)
def test_plain_short_forms_any_case(kind: type[StrEnum], name: str, member: StrEnum | None) -> None:
    assert word_of(kind, name) is member  # type: ignore[type-var]
