"""The chat domain: conversations of every kind, sequenced messages, read state, live deliveries.

One module per group of commands (conversations, messages, reads, staff), the handlers' SQL in `queries`.
Sends go through the batch writer: `writer` queues them, `batch` decides a batch in one
transaction, `statements` holds its SQL (tuned per driver) and `runners` where it runs.
"""

from __future__ import annotations

from nodes.runtime.worker import Domain

# Importing a module registers its handlers.
from . import conversations, messages, reads, staff  # noqa: F401
from .deps import ChatDeps, open_deps
from .handlers import handlers

DOMAIN: Domain[ChatDeps] = Domain(handlers=handlers, open_deps=open_deps)
