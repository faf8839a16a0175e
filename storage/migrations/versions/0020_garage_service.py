"""garage service: locations (seeded), appointments and the bays they hold, memberships, offers
(seeded), referral credits; accounts indexed by who referred them

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-08
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from storage.reference.garage_service import location_rows, offer_location_rows, offer_rows

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def _times() -> list[sa.Column[datetime]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _user(column: str, table: str) -> list[sa.SchemaItem]:
    return [
        sa.Column(column, sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            [column], ["users.id"], name=f"fk_{table}_{column}_users", ondelete="CASCADE"
        ),
    ]


def upgrade() -> None:
    now = datetime.now(UTC)
    locations = op.create_table(
        "garage_locations",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("address", sa.String(300), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("bays", sa.SmallInteger(), nullable=False),
        sa.Column("opening_hours", sa.JSON(), nullable=False),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_times(),
        sa.PrimaryKeyConstraint("id", name="pk_garage_locations"),
    )
    op.create_table(
        "garage_appointments",
        sa.Column("id", sa.String(36), nullable=False),
        *_user("owner_id", "garage_appointments"),
        sa.Column("owner_public_id", sa.String(36), nullable=False),
        sa.Column("vehicle_id", sa.String(36), nullable=False),
        sa.Column("location_id", sa.String(36), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        *_times(),
        sa.PrimaryKeyConstraint("id", name="pk_garage_appointments"),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["garage_vehicles.id"],
            name="fk_garage_appointments_vehicle_id_garage_vehicles",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["garage_locations.id"],
            name="fk_garage_appointments_location_id_garage_locations",
        ),
    )
    for columns in (["owner_id", "start_at"], ["location_id", "start_at"], ["status", "start_at"]):
        op.create_index(f"ix_garage_appointments_{'_'.join(columns)}", "garage_appointments", columns)
    op.create_index("ix_garage_appointments_vehicle_id", "garage_appointments", ["vehicle_id"])
    op.create_table(
        "garage_bay_claims",
        sa.Column("location_id", sa.String(36), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("bay", sa.SmallInteger(), nullable=False),
        sa.Column("appointment_id", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("location_id", "starts_at", "bay", name="pk_garage_bay_claims"),
        sa.ForeignKeyConstraint(
            ["location_id"], ["garage_locations.id"], name="fk_garage_bay_claims_location_id_garage_locations"
        ),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["garage_appointments.id"],
            name="fk_garage_bay_claims_appointment_id_garage_appointments",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_garage_bay_claims_appointment_id", "garage_bay_claims", ["appointment_id"])
    op.create_table(
        "garage_memberships",
        sa.Column("id", sa.String(36), nullable=False),
        *_user("user_id", "garage_memberships"),
        sa.Column("user_public_id", sa.String(36), nullable=False),
        sa.Column("tier", sa.String(16), nullable=False),
        *_times(),
        sa.PrimaryKeyConstraint("id", name="pk_garage_memberships"),
        sa.UniqueConstraint("user_id", name="uq_garage_memberships_user_id"),
    )
    offers = op.create_table(
        "garage_offers",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tiers", sa.JSON(), nullable=False),
        *_times(),
        sa.PrimaryKeyConstraint("id", name="pk_garage_offers"),
    )
    op.create_index("ix_garage_offers_expires_at", "garage_offers", ["expires_at"])
    offer_locations = op.create_table(
        "garage_offer_locations",
        sa.Column("offer_id", sa.String(36), nullable=False),
        sa.Column("location_id", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("offer_id", "location_id", name="pk_garage_offer_locations"),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["garage_offers.id"],
            name="fk_garage_offer_locations_offer_id_garage_offers",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["garage_locations.id"],
            name="fk_garage_offer_locations_location_id_garage_locations",
        ),
    )
    op.create_index("ix_garage_offer_locations_location_id", "garage_offer_locations", ["location_id"])
    op.create_table(
        "garage_referral_credits",
        *_user("referred_id", "garage_referral_credits"),
        *_user("referrer_id", "garage_referral_credits"),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.String(36), nullable=False),
        sa.Column("credited_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("referred_id", name="pk_garage_referral_credits"),
    )
    op.create_index("ix_garage_referral_credits_referrer_id", "garage_referral_credits", ["referrer_id"])
    # A referrer's referrals are read by this column (identity's table).
    op.create_index("ix_users_referred_by_id", "users", ["referred_by_id"])

    op.bulk_insert(locations, location_rows(now))
    op.bulk_insert(offers, offer_rows(now))
    op.bulk_insert(offer_locations, offer_location_rows())


def downgrade() -> None:
    op.drop_index("ix_users_referred_by_id", table_name="users")
    for table in ("garage_referral_credits", "garage_offer_locations", "garage_offers", "garage_memberships",
                  "garage_bay_claims", "garage_appointments", "garage_locations"):  # fmt: skip
        op.drop_table(table)
