"""The item graph (TradeMaximizer's model): an offer points to the offers its owner would take for it.

From barter entries (`build_graph`): a user's offers each accept every offer that matches one of his
wants (compatibility.py) and has the same exchange type as the offer given, so that a ring is all
gifts for keeps or all loans. Wants are found through an index (exchange type and stem -> offers),
starting from the want's rarest stem, never by comparing all pairs. An edge carries the id of the
want it fills: of the owner's wants that the offer matches, the best-fitting one (ties: the lower id).
A user's wants of the same item (the same exchange type, category and stems: "велосипед" twice) are
one class, named by its lowest id: the edge names the class, and the class may be filled as many
times as it has wants, each item filling one of them.

One want, one item: a user who gives two offers could otherwise be handed two bicycles for his one
"велосипед". The graph does not split wants into nodes; the solvers guarantee it instead (solve.py):
each edge's want is a row of the capped model, a node of the uncapped one, taken at most once. Each
offer is a node, so it is given at most once by construction.

From want lists (`graph_from_wants`, the benchmark's instances): item i's owner accepts `wants[i]`
for i, best first; edges carry no want, and the fit falls with the rank.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np
from numpy.typing import NDArray

from .compatibility import fit
from .model import NO_WANT, Entry, ItemGraph, MatchRules, Side
from .text import stems


def _csr(
    rows: Sequence[Sequence[tuple[int, float, int]]],
    items: Sequence[int],
    owners: Sequence[int],
    want_slots: dict[int, tuple[int, ...]] | None = None,
) -> ItemGraph:
    counts = np.fromiter((len(row) for row in rows), dtype=np.int64, count=len(rows))
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    flat = [edge for row in rows for edge in row]
    return ItemGraph(
        items=tuple(items),
        owners=np.asarray(owners, dtype=np.int64),
        indptr=indptr,
        targets=np.fromiter((e[0] for e in flat), dtype=np.int32, count=len(flat)),
        fit=np.fromiter((e[1] for e in flat), dtype=np.float64, count=len(flat)),
        wants=np.fromiter((e[2] for e in flat), dtype=np.int64, count=len(flat)),
        want_slots=want_slots or {},
    )


def graph_from_wants(
    owners: Sequence[int], wants: Sequence[Sequence[int]], items: Sequence[int] | None = None
) -> ItemGraph:
    """Item i (entry id `items[i]`, default i) is owned by `owners[i]`, whose owner accepts the items
    `wants[i]` (node indices, best first) for it. Wants on one's own items are dropped."""
    rows = []
    for i, wanted in enumerate(wants):
        kept = [j for j in wanted if owners[j] != owners[i] and j != i]
        rows.append([(j, 1.0 - rank / len(kept), NO_WANT) for rank, j in enumerate(kept)])
    return _csr(rows, list(items) if items is not None else list(range(len(wants))), owners)


class _OfferIndex:
    """Offers by (exchange type, stem), and by (exchange type, category) for wants without words."""

    def __init__(self, offers: Sequence[Entry]) -> None:
        self.by_stem: dict[tuple[str, str], list[int]] = defaultdict(list)
        self.by_category: dict[tuple[str, str], list[int]] = defaultdict(list)
        for node, offer in enumerate(offers):
            for word in stems(offer.name):
                self.by_stem[offer.exchange_type, word].append(node)
            if offer.category is not None:
                self.by_category[offer.exchange_type, offer.category].append(node)

    def candidates(self, want: Entry) -> Iterable[int]:
        words = stems(want.name)
        if not words:
            return self.by_category.get((want.exchange_type, want.category or ""), [])
        postings = sorted((self.by_stem.get((want.exchange_type, w), []) for w in words), key=len)
        if not postings[0]:
            return []
        found = set(postings[0])
        for posting in postings[1:]:
            found.intersection_update(posting)
            if not found:
                break
        return sorted(found)


def build_graph(entries: Iterable[Entry], rules: MatchRules) -> ItemGraph:
    """The item graph of FreeMarket's wants and offers (nodes: the offers, in id order)."""
    offers: list[Entry] = []
    wants: list[Entry] = []
    for entry in entries:
        (offers if entry.side is Side.OFFER else wants).append(entry)
    offers.sort(key=lambda e: e.id)
    wants.sort(key=lambda e: e.id)
    index = _OfferIndex(offers)
    classes: dict[tuple[int, str, str | None, frozenset[str]], list[int]] = defaultdict(list)
    for want in wants:
        classes[want.owner, want.exchange_type, want.category, stems(want.name)].append(want.id)
    class_of = {want_id: members[0] for members in classes.values() for want_id in members}
    # (user, exchange type) -> offer node -> (fit, want id): the best want each accepted offer fills
    accepted: dict[tuple[int, str], dict[int, tuple[float, int]]] = defaultdict(dict)
    for want in wants:
        taken = accepted[want.owner, want.exchange_type]
        for node in index.candidates(want):
            score = fit(want, offers[node], rules)
            if score is not None and (node not in taken or score > taken[node][0]):
                taken[node] = (score, class_of[want.id])
    # a user's offers of one exchange type share one row: built once, repeated with numpy
    shared: dict[tuple[int, str], tuple[NDArray[np.int32], NDArray[np.float64], NDArray[np.int64]]] = {}
    for key, taken in accepted.items():
        best_first = sorted(taken.items(), key=lambda kv: (-kv[1][0], kv[0]))
        shared[key] = (
            np.fromiter((node for node, _ in best_first), dtype=np.int32, count=len(best_first)),
            np.fromiter((score for _, (score, _) in best_first), dtype=np.float64, count=len(best_first)),
            np.fromiter((want for _, (_, want) in best_first), dtype=np.int64, count=len(best_first)),
        )
    empty = (np.zeros(0, np.int32), np.zeros(0, np.float64), np.zeros(0, np.int64))
    rows = [shared.get((offer.owner, offer.exchange_type), empty) for offer in offers]
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([row[0].size for row in rows], out=indptr[1:])
    return ItemGraph(
        items=tuple(o.id for o in offers),
        owners=np.asarray([o.owner for o in offers], dtype=np.int64),
        indptr=indptr,
        targets=np.concatenate([row[0] for row in rows]) if rows else empty[0],
        fit=np.concatenate([row[1] for row in rows]) if rows else empty[1],
        wants=np.concatenate([row[2] for row in rows]) if rows else empty[2],
        want_slots={members[0]: tuple(members) for members in classes.values() if len(members) > 1},
    )
