"""Promotional banners (`market_banners`), written by the market worker on admins' commands: each shown
at one of the documented locations while it is active and within its dates, in its position's order."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class Banner(Base):
    __tablename__ = "market_banners"
    # What is shown at a location: its active banners in order (the dates are checked on those few).
    __table_args__ = (
        Index("ix_market_banners_location_is_active_position", "location", "is_active", "position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(200))
    image_url: Mapped[str] = mapped_column(String(512))
    link_url: Mapped[str | None] = mapped_column(String(512))
    location: Mapped[str] = mapped_column(String(32))
    starts_at: Mapped[datetime | None] = mapped_column()
    ends_at: Mapped[datetime | None] = mapped_column()
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
