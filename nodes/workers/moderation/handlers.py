"""The moderation domain's handler registry; the modules beside it register on it.

Moderation handlers are the only writers of the moderation tables.
"""

from __future__ import annotations

from nodes.runtime.worker import Handlers
from protocols.moderation import DOMAIN

from .deps import ModerationDeps

handlers: Handlers[ModerationDeps] = Handlers(DOMAIN)
