"""The notify domain: per-user notifications with read state, pushed live.

One group of commands (notifications), its SQL in `queries`.
"""

from __future__ import annotations

from nodes.runtime.worker import Domain

# Importing a module registers its handlers.
from . import notifications  # noqa: F401
from .deps import NotifyDeps, open_deps
from .handlers import handlers

DOMAIN: Domain[NotifyDeps] = Domain(handlers=handlers, open_deps=open_deps)
