"""The notify domain's handler registry; the modules beside it register on it.

Notify handlers are the only writers of the notifications table.
"""

from __future__ import annotations

from nodes.runtime.worker import Handlers
from protocols.notify import DOMAIN

from .deps import NotifyDeps

handlers: Handlers[NotifyDeps] = Handlers(DOMAIN)
