"""What the engine reads and returns: barter entries, the rules of a match, the item graph, cycles.

Choices where the contract is silent:
- A cycle's length is counted in items (one item per hop), as TradeMaximizer and the benchmark's
  figures count it; a person who gives two items in one ring counts twice.
- `MatchRules.max_distance_km = 0` means "the same city": within `city_radius_km` of each other, since
  an entry carries coordinates, not a city name.
- An edge of a FreeMarket graph fills one want, the owner's best-fitting one; a user's wants of the same
  item (same exchange type, category and stems) are one class that many items may fill, one each
  (see graph.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

NO_WANT = -1  # an edge of a graph built from want lists fills no particular want


def spans(indptr: NDArray[np.int64], rows: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The entries of `rows` of a CSR structure: (k for an entry of rows[k], the entry's position)."""
    degree = indptr[rows + 1] - indptr[rows]
    first = np.repeat(indptr[rows] - np.cumsum(degree) + degree, degree)
    return np.repeat(np.arange(rows.size), degree), first + np.arange(int(degree.sum()))


class Side(StrEnum):
    WANT = "WANT"
    OFFER = "OFFER"


@dataclass(frozen=True, slots=True)
class Entry:
    """One barter item as the worker hands it over: something a user wants or offers."""

    id: int
    owner: int
    side: Side
    exchange_type: str  # "PERMANENT" | "TEMPORARY"
    category: str | None  # a category slug
    name: str
    description: str | None = None
    value: int = 0  # tenge; 0: not given, matches any
    duration_days: int | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True, slots=True)
class MatchRules:
    """When a want and an offer match (compatibility.py) and how long a ring may be."""

    value_tolerance: float = 0.5  # the offer's value within ±50 % of the want's
    max_distance_km: float | None = None  # None: anywhere; 0: the same city
    duration_tolerance_days: int = 0  # a lender may offer this many days less than asked
    city_radius_km: float = 30.0  # what "the same city" means for max_distance_km = 0


@dataclass(frozen=True, eq=False)
class ItemGraph:
    """Offers as nodes; an edge i -> j says that i's owner accepts j in exchange for i.

    Stored as CSR arrays: node i's out-edges are `targets[indptr[i]:indptr[i + 1]]`, best first. For
    each edge, `fit` (0..1, higher is better: the want's rank and the value's closeness) and `wants`
    (the owner's want that j fills, or NO_WANT): a want id that names its class, the wants of
    `want_slots[id]` (just itself when absent), each filled at most once. `items` are the offers' ids.
    """

    items: tuple[int, ...]
    owners: NDArray[np.int64]
    indptr: NDArray[np.int64]
    targets: NDArray[np.int32]
    fit: NDArray[np.float64]
    wants: NDArray[np.int64]
    want_slots: dict[int, tuple[int, ...]] = field(default_factory=dict)  # want class -> its want ids
    index: dict[int, int] = field(default_factory=dict)  # entry id -> node

    def __post_init__(self) -> None:
        if not self.index:
            self.index.update((item, node) for node, item in enumerate(self.items))

    @property
    def size(self) -> int:
        return len(self.items)

    @property
    def edge_count(self) -> int:
        return int(self.targets.shape[0])

    def successors(self, node: int) -> NDArray[np.int32]:
        return self.targets[self.indptr[node] : self.indptr[node + 1]]

    def out_edges(self, nodes: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """The out-edges of `nodes`: (k for an edge of nodes[k], the edge's position in the CSR)."""
        return spans(self.indptr, nodes)

    def edge(self, source: int, target: int) -> int:
        """The position of the edge source -> target in the CSR arrays (-1: there is none)."""
        start = int(self.indptr[source])
        hits = np.flatnonzero(self.targets[start : self.indptr[source + 1]] == target)
        return start + int(hits[0]) if hits.size else -1

    def slots(self, want: int) -> tuple[int, ...]:
        """The want ids of the class `want` names."""
        return self.want_slots.get(want, (want,))

    @property
    def labelled(self) -> bool:
        """Whether edges fill wants (a FreeMarket graph), so that each want may be filled once."""
        return bool(self.wants.size) and bool((self.wants != NO_WANT).any())


@dataclass(frozen=True, slots=True)
class Cycle:
    """A ring of exchanges: the owner of `items[k]` gives it away and receives `items[k + 1]` (the last
    one receives the first), filling his want `wants[k]` (None in graphs without wants)."""

    items: tuple[int, ...]
    owners: tuple[int, ...]
    wants: tuple[int | None, ...]
    fit: float  # the mean fit of its edges

    def __len__(self) -> int:
        return len(self.items)

    @property
    def participants(self) -> tuple[int, ...]:
        """The people in the ring, each once, in ring order."""
        return tuple(dict.fromkeys(self.owners))

    def transfers(self) -> Iterator[tuple[int, int, int]]:
        """(giver, receiver, item) for each hop: the owner of item k+1 gives it to the owner of k."""
        n = len(self.items)
        for k in range(n):
            nxt = (k + 1) % n
            yield self.owners[nxt], self.owners[k], self.items[nxt]


@dataclass(frozen=True, slots=True)
class Solution:
    """Disjoint cycles and what is known of their optimality.

    `bound` is an upper bound on the items any solution could trade under the same cap (None where the
    solver proved none); `optimal` says the count equals it.
    """

    cycles: tuple[Cycle, ...]
    bound: int | None
    seconds: float
    optimal: bool
    max_length: int | None

    @property
    def items_traded(self) -> int:
        return sum(len(cycle) for cycle in self.cycles)

    def items(self) -> frozenset[int]:
        return frozenset(item for cycle in self.cycles for item in cycle.items)
