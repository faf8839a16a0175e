"""market search order: the indexes the search's sorts are read off

The public lists are ordered by a column, then by id; indexes that end in the id give a page without
sorting every match. Year and mileage orders get theirs on the vehicle attributes, and on PostgreSQL a
descending one with the unknown last (SQLite cannot declare NULLS LAST in an index, and its planner
reads the ascending index either way).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

LISTINGS = "market_listings"
VEHICLES = "market_vehicle_attributes"
# PostgreSQL only: the orders with the unknown last, descending.
DESCENDING = {
    f"ix_{VEHICLES}_year_desc_listing_id": "year DESC NULLS LAST, listing_id DESC",
    f"ix_{VEHICLES}_mileage_desc_listing_id": "mileage DESC NULLS LAST, listing_id DESC",
}


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    for column in ("created_at", "price"):
        op.drop_index(f"ix_{LISTINGS}_status_kind_{column}", LISTINGS)
        op.create_index(f"ix_{LISTINGS}_status_kind_{column}_id", LISTINGS, ["status", "kind", column, "id"])
    for column in ("year", "mileage"):
        op.drop_index(f"ix_{VEHICLES}_{column}", VEHICLES)
        op.create_index(f"ix_{VEHICLES}_{column}_listing_id", VEHICLES, [column, "listing_id"])
    if _postgres():
        for name, columns in DESCENDING.items():
            op.execute(f"CREATE INDEX {name} ON {VEHICLES} ({columns})")


def downgrade() -> None:
    if _postgres():
        for name in DESCENDING:
            op.drop_index(name, VEHICLES)
    for column in ("year", "mileage"):
        op.drop_index(f"ix_{VEHICLES}_{column}_listing_id", VEHICLES)
        op.create_index(f"ix_{VEHICLES}_{column}", VEHICLES, [column])
    for column in ("created_at", "price"):
        op.drop_index(f"ix_{LISTINGS}_status_kind_{column}_id", LISTINGS)
        op.create_index(f"ix_{LISTINGS}_status_kind_{column}", LISTINGS, ["status", "kind", column])
