"""The chat domain: conversations of every kind, sequenced messages, read state, live deliveries."""

from __future__ import annotations

from nodes.runtime.worker import Domain

# Importing a module registers its handlers.
from . import conversations, messages  # noqa: F401
from .deps import ChatDeps, open_deps
from .handlers import handlers

DOMAIN: Domain[ChatDeps] = Domain(handlers=handlers, open_deps=open_deps)
