"""The matching domain: the exchanges the engine finds, and what their participants say of each
other afterwards.

Command groups: `reviews` (write and list reviews), `trust` (users' standings and trust scores) and
`history` (a user's exchanges, one exchange's timeline); their SQL in `reviews_queries`.
"""

from __future__ import annotations

from nodes.runtime.worker import Domain

# Importing a module registers its handlers.
from . import history, reviews, trust  # noqa: F401
from .deps import MatchingDeps, open_deps
from .handlers import handlers

DOMAIN: Domain[MatchingDeps] = Domain(handlers=handlers, open_deps=open_deps)
