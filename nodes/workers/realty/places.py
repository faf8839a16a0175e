"""Where a request looks: its city as the catalog knows it."""

from __future__ import annotations

from nodes.runtime.bus import Bus
from protocols.catalog import FindCity
from protocols.envelope import Actor


async def city_id(bus: Bus, name: str) -> int | None:
    """The catalog's city of that name (the largest of several), None where none goes by it."""
    found = await bus.request(FindCity(name=name), actor=Actor.system())
    return found.city.id if found.city is not None else None
