"""The realty domain: Realty's buyers' requests, matched with the market's properties both ways.

Command groups: `requests` (a buyer writes, changes, closes and lists his requests), `matching`
(a published property against the open requests; a written request against the market's properties),
`notices` (matches told through notify, from an outbox in the matches table; the scheduler's
`TellMatches` sends what is left) and `catch_up` (the properties published while no realty worker ran,
matched on the scheduler's `CatchUpProperties` and once as a worker starts). The SQL is in `queries`.
"""

from __future__ import annotations

from nodes.runtime.worker import Domain

# Importing a module registers its handlers.
from . import matching, notices, requests  # noqa: F401
from .catch_up import catch_up
from .deps import RealtyDeps, open_deps
from .handlers import handlers

DOMAIN: Domain[RealtyDeps] = Domain(handlers=handlers, open_deps=open_deps, started=catch_up)
