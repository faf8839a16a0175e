"""The matching engine: pure computation over barter items (no NATS, no database, no asyncio).

The worker builds an item graph from the listings (`build_graph`), solves it (`solve`) and, after a
listing change, solves again only where the change reaches (`resolve_after_change`). The benchmark's
instances come in as want lists (`graph_from_wants`).
"""

from .compatibility import matches
from .graph import build_graph, graph_from_wants
from .incremental import resolve_after_change
from .model import Cycle, Entry, ItemGraph, MatchRules, Side, Solution
from .solve import DEFAULT_MAX_LENGTH, solve
from .text import stems

__all__ = [
    "DEFAULT_MAX_LENGTH",
    "Cycle",
    "Entry",
    "ItemGraph",
    "MatchRules",
    "Side",
    "Solution",
    "build_graph",
    "graph_from_wants",
    "matches",
    "resolve_after_change",
    "solve",
    "stems",
]
