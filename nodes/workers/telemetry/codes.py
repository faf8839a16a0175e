"""Standard OBD-II diagnostic trouble codes (SAE J2012 / ISO 15031-6) and what they mean, from the
table shipped in `storage/reference/obd2_codes.json` (its sources: storage/reference/SOURCES.md).

A code the table lacks is still described by what its letters and digits say: its system (P
powertrain, C chassis, B body, U network) and whether it is a generic or a manufacturer's code.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import storage.reference

TABLE = Path(storage.reference.__file__).parent / "obd2_codes.json"
SYSTEMS = {"P": "Powertrain", "C": "Chassis", "B": "Body", "U": "Network"}


@functools.cache
def table() -> dict[str, str]:
    codes: dict[str, str] = json.loads(TABLE.read_text(encoding="utf-8"))["codes"]
    return codes


def describe(code: str) -> str:
    known = table().get(code)
    if known is not None:
        return known
    generic = code[1] in "02" or (code[0] == "P" and code[1] == "3" and code[2] in "456789ABCDEF")
    kind = "generic" if generic else "manufacturer-specific"
    return f"{SYSTEMS.get(code[0], 'Unknown system')} code, {kind} (not in the standard table)"
