"""Every model module, imported so that `Base.metadata` is complete."""

from . import (
    advisor,
    banners,
    catalog,
    chat,
    garage,
    garage_service,
    identity,
    market,
    market_barter,
    market_realty,
    matching,
    matching_reviews,
    moderation,
    notify,
    places,
    realty,
    telemetry,
)
from .base import Base

__all__ = [
    "Base",
    "advisor",
    "banners",
    "catalog",
    "chat",
    "garage",
    "garage_service",
    "identity",
    "market",
    "market_barter",
    "market_realty",
    "matching",
    "matching_reviews",
    "moderation",
    "notify",
    "places",
    "realty",
    "telemetry",
]
