"""The garage domain's table: Membership Auto's vehicles. The garage worker is its only writer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class Vehicle(Base):
    __tablename__ = "garage_vehicles"
    __table_args__ = (
        # A member has a VIN once; the member's list reads off the same index.
        UniqueConstraint("owner_id", "vin", name="uq_garage_vehicles_owner_id_vin"),
        # A dongle is on one vehicle at a time (NULLs never clash).
        Index("ux_garage_vehicles_dongle_id", "dongle_id", unique=True),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # a UUID
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The owner's public id (identity's, never changed), kept to show it without asking identity.
    owner_public_id: Mapped[str] = mapped_column(String(36))
    vin: Mapped[str] = mapped_column(String(17))
    make: Mapped[str] = mapped_column(String(64))
    model: Mapped[str] = mapped_column(String(64))
    trim: Mapped[str | None] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(SmallInteger)
    license_plate: Mapped[str | None] = mapped_column(String(16))
    odometer: Mapped[float] = mapped_column(Float)
    odometer_at: Mapped[datetime] = mapped_column(default=utcnow)
    fuel_type: Mapped[str | None] = mapped_column(String(16))
    dongle_id: Mapped[str | None] = mapped_column(String(64))
    dongle_connection_type: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
