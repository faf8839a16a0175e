"""The engine, called: barter items in, the exchanges it chooses out."""

from __future__ import annotations

from collections.abc import Sequence

from nodes.runtime.settings import MatchingSettings
from protocols.market_barter import BarterItem

from .queries import Planned


def choose(
    items: Sequence[BarterItem],
    settings: MatchingSettings,
    *,
    most: int,
    focus: Sequence[int] | None,
    time_limit_s: float,
) -> list[Planned]:
    raise NotImplementedError("waiting for the engine")
