"""garage vehicles: Membership Auto's vehicles, a VIN once per member, a dongle on one vehicle

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

TABLE = "garage_vehicles"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("owner_public_id", sa.String(36), nullable=False),
        sa.Column("vin", sa.String(17), nullable=False),
        sa.Column("make", sa.String(64), nullable=False),
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("trim", sa.String(64), nullable=True),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("license_plate", sa.String(16), nullable=True),
        sa.Column("odometer", sa.Float(), nullable=False),
        sa.Column("odometer_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fuel_type", sa.String(16), nullable=True),
        sa.Column("dongle_id", sa.String(64), nullable=True),
        sa.Column("dongle_connection_type", sa.String(8), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_garage_vehicles"),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name="fk_garage_vehicles_owner_id_users", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("owner_id", "vin", name="uq_garage_vehicles_owner_id_vin"),
    )
    op.create_index("ux_garage_vehicles_dongle_id", TABLE, ["dongle_id"], unique=True)


def downgrade() -> None:
    op.drop_table(TABLE)
