"""The garage domain's service tables: locations, appointments and the bays they hold, memberships,
offers, and the referral credits given. The garage worker is their only writer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

USER = "users.id"


class ServiceLocation(Base):
    __tablename__ = "garage_locations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # a UUID
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(300))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    time_zone: Mapped[str] = mapped_column(String(64))  # IANA
    bays: Mapped[int] = mapped_column(SmallInteger)
    # [{"weekday": "monday", "opens": "08:00", "closes": "18:00"}, ...]: a weekday left out is closed
    opening_hours: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    phone: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Appointment(Base):
    __tablename__ = "garage_appointments"
    __table_args__ = (
        Index("ix_garage_appointments_owner_id_start_at", "owner_id", "start_at"),
        Index("ix_garage_appointments_location_id_start_at", "location_id", "start_at"),
        # The reminders read booked appointments by their start.
        Index("ix_garage_appointments_status_start_at", "status", "start_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey(USER, ondelete="CASCADE"))
    owner_public_id: Mapped[str] = mapped_column(String(36))
    # A vehicle deleted takes its appointments (and the bays they held) with it.
    vehicle_id: Mapped[str] = mapped_column(ForeignKey("garage_vehicles.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[str] = mapped_column(ForeignKey("garage_locations.id"))
    start_at: Mapped[datetime] = mapped_column()
    end_at: Mapped[datetime] = mapped_column()
    services: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))  # booked, cancelled, completed
    reminded_at: Mapped[datetime | None] = mapped_column()  # when notify took the reminder
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class BayClaim(Base):
    """A bay of a location held for one slot by a booked appointment. The key makes a bay's slot
    held once: of two bookings at the same moment, the second's insert fails."""

    __tablename__ = "garage_bay_claims"

    location_id: Mapped[str] = mapped_column(ForeignKey("garage_locations.id"), primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(primary_key=True)
    bay: Mapped[int] = mapped_column(SmallInteger, primary_key=True)  # 0 to the location's bays - 1
    appointment_id: Mapped[str] = mapped_column(
        ForeignKey("garage_appointments.id", ondelete="CASCADE"), index=True
    )


class Membership(Base):
    __tablename__ = "garage_memberships"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the account's membershipId
    user_id: Mapped[int] = mapped_column(ForeignKey(USER, ondelete="CASCADE"), unique=True)
    user_public_id: Mapped[str] = mapped_column(String(36))
    tier: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Offer(Base):
    __tablename__ = "garage_offers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    terms: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column(index=True)
    tiers: Mapped[list[str]] = mapped_column(JSON)  # the memberships it is for; none: everyone
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class OfferLocation(Base):
    __tablename__ = "garage_offer_locations"

    offer_id: Mapped[str] = mapped_column(
        ForeignKey("garage_offers.id", ondelete="CASCADE"), primary_key=True
    )
    location_id: Mapped[str] = mapped_column(ForeignKey("garage_locations.id"), primary_key=True, index=True)


class ReferralCredit(Base):
    """A referral the referrer was credited for: one per referred member, which is what makes the
    credit happen once however many completions race. A referrer's rewards balance is the sum of his."""

    __tablename__ = "garage_referral_credits"

    referred_id: Mapped[int] = mapped_column(ForeignKey(USER, ondelete="CASCADE"), primary_key=True)
    referrer_id: Mapped[int] = mapped_column(ForeignKey(USER, ondelete="CASCADE"), index=True)
    amount: Mapped[int] = mapped_column(Integer)
    appointment_id: Mapped[str] = mapped_column(String(36))  # the completion that earned it
    credited_at: Mapped[datetime] = mapped_column(default=utcnow)
