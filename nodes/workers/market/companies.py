"""Dealers' companies as identity last gave them, kept by each market worker for
`[market] dealer_company_ttl_s`: a results page full of dealers' ads would otherwise ask identity on
every request. Identity announces each profile it writes (`DealerProfileChanged`) and every market
worker forgets that dealer at once; a lost announcement leaves a kept company one TTL old at most."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping

from protocols.identity import DealerCompany

MOST_KEPT = 10_000  # dealers; past it the kept ones are all dropped (a crude but bounded memory)


class DealerCompanies:
    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._kept: dict[int, tuple[float, DealerCompany | None]] = {}  # dealer -> (asked at, company)
        self._forgotten: dict[int, float] = {}  # dealer -> when his profile last changed

    def known(self, dealers: Iterable[int]) -> tuple[dict[int, DealerCompany], list[int]]:
        """The kept companies of `dealers`, and the dealers to ask identity about."""
        now = time.monotonic()
        found: dict[int, DealerCompany] = {}
        missing: list[int] = []
        for dealer in dealers:
            kept = self._kept.get(dealer)
            if kept is None or now - kept[0] >= self.ttl_s:
                missing.append(dealer)
            elif kept[1] is not None:
                found[dealer] = kept[1]
        return found, missing

    def keep(self, asked: Iterable[int], found: Mapping[int, DealerCompany], asked_at: float) -> None:
        """What identity answered for `asked` (a dealer without a profile is kept as none), asked at
        `asked_at` (`time.monotonic()`): not a dealer whose profile changed since."""
        if self.ttl_s <= 0:
            return
        if len(self._kept) > MOST_KEPT:
            self._kept.clear()
            self._forgotten.clear()
        for dealer in asked:
            if self._forgotten.get(dealer, -1.0) < asked_at:
                self._kept[dealer] = (asked_at, found.get(dealer))

    def forget(self, dealer: int) -> None:
        self._kept.pop(dealer, None)
        self._forgotten[dealer] = time.monotonic()
