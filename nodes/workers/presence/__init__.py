"""The presence domain: online and last seen, from per-(user, edge) keys in NATS KV.

Two groups of commands: transitions (an edge's report, the scheduled sweep) and lookups. No
queries.py: presence keeps no tables; what its two buckets say is read in `state`, and when an
absence may be believed is decided in `absences`.
"""

from __future__ import annotations

from nodes.runtime.worker import Domain

# Importing a module registers its handlers.
from . import lookups, transitions  # noqa: F401
from .deps import PresenceDeps, open_deps
from .handlers import handlers

DOMAIN: Domain[PresenceDeps] = Domain(handlers=handlers, open_deps=open_deps)
