"""The presence domain's handler registry; the modules beside it register on it.

Presence handlers are the only writers of the presence state bucket (edges write the connections).
"""

from __future__ import annotations

from nodes.runtime.worker import Handlers
from protocols.presence import DOMAIN

from .deps import PresenceDeps

handlers: Handlers[PresenceDeps] = Handlers(DOMAIN)
