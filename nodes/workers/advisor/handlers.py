"""The advisor domain's handler registry; the modules beside it register on it.

Advisor handlers are the only writers of the advisor tables.
"""

from __future__ import annotations

from nodes.runtime.worker import Handlers
from protocols.advisor_cars import DOMAIN

from .deps import AdvisorDeps

handlers: Handlers[AdvisorDeps] = Handlers(DOMAIN)
