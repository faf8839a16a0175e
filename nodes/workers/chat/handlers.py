"""The chat domain's handler registry; the modules beside it register on it.

Chat handlers are the only writers of the chat tables.
"""

from __future__ import annotations

from nodes.runtime.worker import Handlers
from protocols.chat import DOMAIN

from .deps import ChatDeps

handlers: Handlers[ChatDeps] = Handlers(DOMAIN)
