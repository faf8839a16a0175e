"""The market domain's handler registry; the modules beside it register on it.

Market handlers are the only writers of the market tables.
"""

from __future__ import annotations

from nodes.runtime.worker import Handlers
from protocols.market import DOMAIN

from .deps import MarketDeps

handlers: Handlers[MarketDeps] = Handlers(DOMAIN)
