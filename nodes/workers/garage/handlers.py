"""The garage domain's handler registry; the modules beside it register on it.

Garage handlers are the only writers of the garage tables.
"""

from __future__ import annotations

from nodes.runtime.worker import Handlers
from protocols.garage import DOMAIN

from .deps import GarageDeps

handlers: Handlers[GarageDeps] = Handlers(DOMAIN)
