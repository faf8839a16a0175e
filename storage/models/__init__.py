"""Every model module, imported so that `Base.metadata` is complete."""

from . import chat, identity, notify
from .base import Base

__all__ = ["Base", "chat", "identity", "notify"]
