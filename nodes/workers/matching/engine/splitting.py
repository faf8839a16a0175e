"""A ring longer than the cap, cut into shorter rings without losing an item or changing a want.

Two offers a and b of one ring (... a -> a' ... b -> b' ...) can swap what they receive when a -> b'
and b -> a' are edges filling the same want classes as a -> a' and b -> b' did: the ring becomes
(a' ... b) and (b' ... a). FreeMarket's parallel offers make such pairs common: a user's offers of
one exchange type accept the same items for the same wants (graph.py), so any two of them in a ring
are such a pair. Each ring is cut (_choose) and its pieces again, until they fit or no pair is left.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .model import ItemGraph

PEEL_FROM = 4  # caps: a ring longer than this many is cut in halves, a shorter one peeled


def _pairs(graph: ItemGraph, ring: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """(a, b) positions, a < b, where ring[a] and ring[b] can swap what they receive."""
    n = ring.size
    position = np.full(graph.size, -1, dtype=np.int64)
    position[ring] = np.arange(n)
    source, edges = graph.out_edges(ring)
    target = position[graph.targets[edges]]
    inside = target >= 0
    source, target, want = source[inside], target[inside], graph.wants[edges[inside]]
    successor = (source + 1) % n
    own = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)  # the class each fills in the ring now
    own[source[target == successor]] = want[target == successor]
    # a -> ring[b + 1] with a's own class: a may take b's place before b + 1
    ok = (want == own[source]) & (target != successor)
    a, b = source[ok], (target[ok] - 1) % n
    keys = a * n + b
    both = np.isin(keys, b * n + a)
    a, b = a[both], b[both]
    lower = a < b
    return a[lower], b[lower]


def _split(ring: NDArray[np.int64], a: int, b: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    return ring[a + 1 : b + 1], np.concatenate([ring[b + 1 :], ring[: a + 1]])


def _choose(a: NDArray[np.int64], b: NDArray[np.int64], n: int, max_length: int) -> tuple[int, int]:
    """Where to cut a ring of n: into two pieces within the cap if it can be; a long ring (past
    `PEEL_FROM` caps) in halves, so that few cuts make short pieces; a shorter one by peeling off the
    longest piece within the cap, which leaves the rest shortest."""
    inner = b - a
    smaller = np.minimum(inner, n - inner)
    fits = np.maximum(inner, n - inner) <= max_length
    if fits.any():
        pick = int(np.flatnonzero(fits)[0])
    elif n > PEEL_FROM * max_length or not (smaller <= max_length).any():
        pick = int(np.argmax(smaller))
    else:
        pick = int(np.argmax(np.where(smaller <= max_length, smaller, -1)))
    return int(a[pick]), int(b[pick])


def split_ring(graph: ItemGraph, ring: NDArray[np.int64], max_length: int) -> list[NDArray[np.int64]]:
    """The ring (nodes in order, each receiving the next) as rings of at most `max_length` where
    the pairs allow; a piece that cannot be cut stays longer."""
    done: list[NDArray[np.int64]] = []
    todo = [ring]
    while todo:
        piece = todo.pop()
        n = piece.size
        if n <= max_length:
            done.append(piece)
            continue
        a, b = _pairs(graph, piece)
        if not a.size:
            done.append(piece)
            continue
        todo.extend(_split(piece, *_choose(a, b, n, max_length)))
    return done


def split_rings(
    graph: ItemGraph, rings: list[NDArray[np.int64]], max_length: int
) -> tuple[list[NDArray[np.int64]], list[NDArray[np.int64]]]:
    """(rings within the cap, rings still longer) once the long ones are cut."""
    short: list[NDArray[np.int64]] = []
    long: list[NDArray[np.int64]] = []
    for ring in rings:
        for piece in split_ring(graph, ring, max_length):
            (short if piece.size <= max_length else long).append(piece)
    return short, long
