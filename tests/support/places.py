"""A catalog worker's first question about places loads them all (half a second on a quiet core, more
than a request's timeout on a busy CI machine); tests about the answers wait that one-time load out."""

from __future__ import annotations

from nodes.runtime.bus import Bus
from protocols.catalog import ListCountries

FIRST_LOAD_S = 30.0


async def places_loaded(bus: Bus) -> None:
    """Returns once the catalog workers answering `bus` hold every place."""
    await bus.request(ListCountries(), timeout=FIRST_LOAD_S)
