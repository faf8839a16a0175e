"""The catalog domain: categories, the vehicle references and the places (all three written by admins),
all served from caches in the worker.

Groups of commands: categories, vehicles, places, and the admins' writes and pages of the last two
(`vehicle_edits`, `place_edits`, what they share in `staff`); their SQL in `queries` and
`edit_queries`, the caches in `cache`, the vehicle references' and the places' snapshots in
`references` and `geography` (a saved place set in it by `place_patches`), the IP database in `geoip`.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

from nodes.runtime.worker import Domain

# Importing a module registers its handlers.
from . import categories, place_edits, places, vehicle_edits, vehicles  # noqa: F401
from .deps import CatalogDeps, open_deps
from .handlers import handlers

log = logging.getLogger(__name__)


async def warm_places(deps: CatalogDeps) -> None:
    # At once, not on the first question: a snapshot of 7,000 cities and their 28,000 names takes a
    # loaded machine longer than a request's timeout, and the first barter list or property asks.
    if not deps.settings.catalog.places_at_start:
        return
    try:
        await deps.places.get()
    except SQLAlchemyError as exc:  # the first question loads it again
        log.warning("the places could not be loaded yet: %r", exc)


DOMAIN: Domain[CatalogDeps] = Domain(handlers=handlers, open_deps=open_deps, started=warm_places)
