"""The catalog domain: categories (admins write them) and the vehicle references (read only), both
served from a cache in the worker.

Two groups of commands (categories, vehicles), their SQL in `queries`, the caches in `cache`.
"""

from __future__ import annotations

from nodes.runtime.worker import Domain

# Importing a module registers its handlers.
from . import categories, vehicles  # noqa: F401
from .deps import CatalogDeps, open_deps
from .handlers import handlers

DOMAIN: Domain[CatalogDeps] = Domain(handlers=handlers, open_deps=open_deps)
