"""market radius index: the listings' coordinates indexed longitude first too

A radius search is a box of latitudes and longitudes. With the one index that starts with the latitude,
the box read a whole band of the globe (around Moscow: every city near the 55th parallel); with both,
PostgreSQL intersects the two ranges and SQLite takes the narrower.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

INDEX = "ix_market_listings_longitude_latitude"


def upgrade() -> None:
    op.create_index(INDEX, "market_listings", ["longitude", "latitude"])


def downgrade() -> None:
    op.drop_index(INDEX, "market_listings")
