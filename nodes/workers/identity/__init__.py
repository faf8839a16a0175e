"""The identity domain: accounts, credentials, sessions, phone codes and mailed links."""

from __future__ import annotations

from nodes.runtime.worker import Domain

# Importing a module registers its handlers.
from . import accounts, codes, credentials, links, sessions  # noqa: F401
from .deps import IdentityDeps, open_deps
from .handlers import handlers

DOMAIN: Domain[IdentityDeps] = Domain(handlers=handlers, open_deps=open_deps)
