"""The catalog domain's handler registry; the modules beside it register on it.

Catalog handlers are the only writers of the catalog tables (the vehicle references' and places' rows
come from migrations; admins add to them and correct them).
"""

from __future__ import annotations

from nodes.runtime.worker import Handlers
from protocols.catalog import DOMAIN

from .deps import CatalogDeps

handlers: Handlers[CatalogDeps] = Handlers(DOMAIN)
