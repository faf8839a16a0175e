"""The matching domain: FreeMarket's exchanges, found by the engine over the market's barter pool.

Command groups: `runs` (run-pipeline, chain discovery, the scheduled run, the last run's status; one
run is `pipeline`), `chains` (a chain's participants accept or decline), `exchanges` (one exchange,
a page of them, confirming one), `changes` (a listing change dissolves what lost its items and
re-matches around it), `scenarios` (the test flow, on scratch data), `reviews` (participants review
each other), `trust` (users' standings and trust scores) and `history` (a user's exchanges, one
exchange's timeline). The pool is read in `pool` (this process's copy of it is `pool_cache`), the
engine (`engine/`, a pure library) is called in `solve`, people are told in `notices`; the SQL is in
`queries` (that of reviews, standings and history in `reviews_queries`).
"""

from __future__ import annotations

from nodes.runtime.worker import Domain

# Importing a module registers its handlers.
from . import chains, changes, exchanges, history, reviews, runs, scenarios, trust  # noqa: F401
from .deps import MatchingDeps, open_deps
from .handlers import handlers

DOMAIN: Domain[MatchingDeps] = Domain(handlers=handlers, open_deps=open_deps)
