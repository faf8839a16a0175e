"""The telemetry domain's tables: raw samples (unique per vehicle and `t`, so a batch delivered again
stores nothing twice), per-minute summaries of samples past their retention, and what is derived as
samples land: each vehicle's state, its trips and its fault codes. The telemetry worker is their only
writer. Times are Unix milliseconds, as the dongles send them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

VEHICLE = "garage_vehicles.id"  # a vehicle's telemetry goes with it


class Sample(Base):
    __tablename__ = "telemetry_samples"

    vehicle_id: Mapped[str] = mapped_column(ForeignKey(VEHICLE, ondelete="CASCADE"), primary_key=True)
    t: Mapped[int] = mapped_column(BigInteger, primary_key=True, index=True)  # alone too: the dashboard's
    speed: Mapped[float | None] = mapped_column(Float)
    fuel_rate: Mapped[float | None] = mapped_column(Float)
    odometer: Mapped[float | None] = mapped_column(Float)
    rpm: Mapped[float | None] = mapped_column(Float)
    coolant_temp: Mapped[float | None] = mapped_column(Float)
    fuel_level: Mapped[float | None] = mapped_column(Float)
    battery_voltage: Mapped[float | None] = mapped_column(Float)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    ignition: Mapped[bool | None] = mapped_column(Boolean)
    fault_codes: Mapped[str | None] = mapped_column(String(200))  # comma-separated, as read


class MinuteSummary(Base):
    """Raw samples past their retention, one row per vehicle and minute."""

    __tablename__ = "telemetry_minutes"

    vehicle_id: Mapped[str] = mapped_column(ForeignKey(VEHICLE, ondelete="CASCADE"), primary_key=True)
    minute: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # its first millisecond
    samples: Mapped[int] = mapped_column(Integer)
    speed_sum: Mapped[float] = mapped_column(Float)  # an average is kept as sum and count: it adds up
    speed_count: Mapped[int] = mapped_column(Integer)
    max_speed: Mapped[float | None] = mapped_column(Float)
    fuel_rate_sum: Mapped[float] = mapped_column(Float)
    fuel_rate_count: Mapped[int] = mapped_column(Integer)
    min_odometer: Mapped[float | None] = mapped_column(Float)
    max_odometer: Mapped[float | None] = mapped_column(Float)


class VehicleState(Base):
    """Where derivation stands for a vehicle: its last sample, odometer and open trip."""

    __tablename__ = "telemetry_vehicle_state"

    vehicle_id: Mapped[str] = mapped_column(ForeignKey(VEHICLE, ondelete="CASCADE"), primary_key=True)
    last_t: Mapped[int] = mapped_column(BigInteger)  # samples at or before it came late: stored only
    odometer: Mapped[float | None] = mapped_column(Float)
    odometer_t: Mapped[int | None] = mapped_column(BigInteger)
    trip_id: Mapped[int | None] = mapped_column(Integer)  # the open trip


class Trip(Base):
    __tablename__ = "telemetry_trips"
    __table_args__ = (Index("ix_telemetry_trips_vehicle_id_started_at", "vehicle_id", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    vehicle_id: Mapped[str] = mapped_column(ForeignKey(VEHICLE, ondelete="CASCADE"))
    started_at: Mapped[int] = mapped_column(BigInteger)
    ended_at: Mapped[int] = mapped_column(BigInteger)  # its last sample's, while it goes on
    last_moving_at: Mapped[int] = mapped_column(BigInteger)
    open: Mapped[bool] = mapped_column(Boolean)
    distance_km: Mapped[float] = mapped_column(Float)
    fuel_used_l: Mapped[float] = mapped_column(Float)
    max_speed: Mapped[float | None] = mapped_column(Float)
    samples: Mapped[int] = mapped_column(Integer)
    last_odometer: Mapped[float | None] = mapped_column(Float)


class Fault(Base):
    """One occurrence of a fault code: from the sample that first read it to one that no longer did."""

    __tablename__ = "telemetry_faults"
    __table_args__ = (
        Index("ix_telemetry_faults_vehicle_id_cleared_at", "vehicle_id", "cleared_at"),
        Index("ix_telemetry_faults_notified_at", "notified_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    vehicle_id: Mapped[str] = mapped_column(ForeignKey(VEHICLE, ondelete="CASCADE"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(5))
    first_seen: Mapped[int] = mapped_column(BigInteger)
    last_seen: Mapped[int] = mapped_column(BigInteger)
    cleared_at: Mapped[int | None] = mapped_column(BigInteger)
    # When the owner's notification was given (notify answered); NULL: still to be sent.
    notified_at: Mapped[datetime | None] = mapped_column()
