"""The identity domain's handler registry; the modules beside it register on it.

Identity handlers are the only writers of the identity tables.
"""

from __future__ import annotations

from nodes.runtime.worker import Handlers
from protocols.identity import DOMAIN

from .deps import IdentityDeps

handlers: Handlers[IdentityDeps] = Handlers(DOMAIN)
