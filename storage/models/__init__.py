"""Every model module, imported so that `Base.metadata` is complete."""

from . import identity
from .base import Base

__all__ = ["Base", "identity"]
