"""The advisor domain: Car advisor's car catalog and the assistant's answers in its chats.

Command groups: `cars` (the catalog: the vehicle references' configurations, priced from the market's
active ads), `answers` (a user's message starts an answer, written by the configured backend and
streamed to the user's connections as it is produced, then stored as the assistant's message).
"""

from __future__ import annotations

from nodes.runtime.worker import Domain

# Importing a module registers its handlers.
from . import cars  # noqa: F401
from .answers import resume_at_start
from .deps import AdvisorDeps, open_deps
from .handlers import handlers

DOMAIN: Domain[AdvisorDeps] = Domain(handlers=handlers, open_deps=open_deps, started=resume_at_start)
