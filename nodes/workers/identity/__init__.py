"""The identity domain: accounts, credentials and sessions."""

from __future__ import annotations

from nodes.runtime.worker import Domain

from .deps import IdentityDeps, open_deps
from .handlers import handlers

DOMAIN: Domain[IdentityDeps] = Domain(handlers=handlers, open_deps=open_deps)
