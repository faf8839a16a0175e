"""The matching domain's handler registry; the modules beside it register on it.

Matching handlers are the only writers of the matching tables.
"""

from __future__ import annotations

from nodes.runtime.worker import Handlers
from protocols.matching import DOMAIN

from .deps import MatchingDeps

handlers: Handlers[MatchingDeps] = Handlers(DOMAIN)
