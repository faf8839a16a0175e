"""The garage domain: Membership Auto's vehicles and the dongles linked to them.

One group of commands (`vehicles`), its SQL in `queries`; the owners' public ids, asked of identity
once each, in `owners`.
"""

from __future__ import annotations

from nodes.runtime.worker import Domain

# Importing a module registers its handlers.
from . import vehicles  # noqa: F401
from .deps import GarageDeps, open_deps
from .handlers import handlers

DOMAIN: Domain[GarageDeps] = Domain(handlers=handlers, open_deps=open_deps)
