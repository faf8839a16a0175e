"""Every model module, imported so that `Base.metadata` is complete."""

from . import catalog, chat, identity, market, moderation, notify, places
from .base import Base

__all__ = ["Base", "catalog", "chat", "identity", "market", "moderation", "notify", "places"]
