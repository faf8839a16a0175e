"""The realty domain's handler registry; the modules beside it register on it.

Realty handlers are the only writers of the realty tables.
"""

from __future__ import annotations

from nodes.runtime.worker import Handlers
from protocols.realty import DOMAIN

from .deps import RealtyDeps

handlers: Handlers[RealtyDeps] = Handlers(DOMAIN)
