"""telemetry: OBD samples unique per vehicle and time, per-minute summaries, derived state, trips, faults

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def vehicle(table: str) -> list[sa.SchemaItem]:
    return [
        sa.Column("vehicle_id", sa.String(36), nullable=False),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["garage_vehicles.id"],
            name=f"fk_{table}_vehicle_id_garage_vehicles",
            ondelete="CASCADE",
        ),
    ]


def upgrade() -> None:
    floats = ("speed", "fuel_rate", "odometer", "rpm", "coolant_temp", "fuel_level", "battery_voltage",
              "latitude", "longitude")  # fmt: skip
    op.create_table(
        "telemetry_samples",
        *vehicle("telemetry_samples"),
        sa.Column("t", sa.BigInteger(), nullable=False),
        *(sa.Column(name, sa.Float(), nullable=True) for name in floats),
        sa.Column("ignition", sa.Boolean(), nullable=True),
        sa.Column("fault_codes", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("vehicle_id", "t", name="pk_telemetry_samples"),
    )
    op.create_table(
        "telemetry_minutes",
        *vehicle("telemetry_minutes"),
        sa.Column("minute", sa.BigInteger(), nullable=False),
        sa.Column("samples", sa.Integer(), nullable=False),
        sa.Column("speed_sum", sa.Float(), nullable=False),
        sa.Column("speed_count", sa.Integer(), nullable=False),
        sa.Column("max_speed", sa.Float(), nullable=True),
        sa.Column("fuel_rate_sum", sa.Float(), nullable=False),
        sa.Column("fuel_rate_count", sa.Integer(), nullable=False),
        sa.Column("min_odometer", sa.Float(), nullable=True),
        sa.Column("max_odometer", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("vehicle_id", "minute", name="pk_telemetry_minutes"),
    )
    op.create_table(
        "telemetry_vehicle_state",
        *vehicle("telemetry_vehicle_state"),
        sa.Column("last_t", sa.BigInteger(), nullable=False),
        sa.Column("odometer", sa.Float(), nullable=True),
        sa.Column("odometer_t", sa.BigInteger(), nullable=True),
        sa.Column("trip_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("vehicle_id", name="pk_telemetry_vehicle_state"),
    )
    op.create_table(
        "telemetry_trips",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        *vehicle("telemetry_trips"),
        sa.Column("started_at", sa.BigInteger(), nullable=False),
        sa.Column("ended_at", sa.BigInteger(), nullable=False),
        sa.Column("last_moving_at", sa.BigInteger(), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("distance_km", sa.Float(), nullable=False),
        sa.Column("fuel_used_l", sa.Float(), nullable=False),
        sa.Column("max_speed", sa.Float(), nullable=True),
        sa.Column("samples", sa.Integer(), nullable=False),
        sa.Column("last_odometer", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_telemetry_trips"),
    )
    op.create_index(
        "ix_telemetry_trips_vehicle_id_started_at", "telemetry_trips", ["vehicle_id", "started_at"]
    )
    op.create_table(
        "telemetry_faults",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        *vehicle("telemetry_faults"),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(5), nullable=False),
        sa.Column("first_seen", sa.BigInteger(), nullable=False),
        sa.Column("last_seen", sa.BigInteger(), nullable=False),
        sa.Column("cleared_at", sa.BigInteger(), nullable=True),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_telemetry_faults"),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name="fk_telemetry_faults_owner_id_users", ondelete="CASCADE"
        ),
    )
    op.create_index(
        "ix_telemetry_faults_vehicle_id_cleared_at", "telemetry_faults", ["vehicle_id", "cleared_at"]
    )
    op.create_index("ix_telemetry_faults_notified_at", "telemetry_faults", ["notified_at"])


def downgrade() -> None:
    for table in ("telemetry_faults", "telemetry_trips", "telemetry_vehicle_state", "telemetry_minutes",
                  "telemetry_samples"):  # fmt: skip
        op.drop_table(table)
