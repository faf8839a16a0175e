"""market: one listing model (listings, and vehicles' searchable attributes beside them) and the
daily views that count once per viewer

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

LISTING_INDEXES = {
    "ix_market_listings_status_kind_created_at": ["status", "kind", "created_at"],
    "ix_market_listings_status_kind_price": ["status", "kind", "price"],
    "ix_market_listings_category_id_status": ["category_id", "status"],
    "ix_market_listings_city_id_status": ["city_id", "status"],
    "ix_market_listings_owner_id_status": ["owner_id", "status"],
    "ix_market_listings_latitude_longitude": ["latitude", "longitude"],
    "ix_market_listings_status_expires_at": ["status", "expires_at"],
}
# Every vehicle attribute a search filters on, each with its own index.
VEHICLE_COLUMNS: dict[str, sa.types.TypeEngine[object]] = {
    "vehicle_type_id": sa.Integer(),
    "brand_id": sa.Integer(),
    "model_id": sa.Integer(),
    "generation_id": sa.Integer(),
    "modification_id": sa.Integer(),
    "body_type_id": sa.Integer(),
    "transmission_id": sa.Integer(),
    "fuel_type_id": sa.Integer(),
    "drive_type_id": sa.Integer(),
    "color_id": sa.Integer(),
    "year": sa.SmallInteger(),
    "mileage": sa.Integer(),
    "engine_volume": sa.Float(),
    "engine_power": sa.SmallInteger(),
    "condition": sa.String(8),
}


def _time(name: str, *, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "market_listings",
        sa.Column("id", sa.Integer(), autoincrement=True, primary_key=True),
        sa.Column("owner_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("category_id", sa.Integer(), sa.ForeignKey("catalog_categories.id"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text()),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("city_id", sa.Integer()),
        sa.Column("latitude", sa.Float()),
        sa.Column("longitude", sa.Float()),
        _time("created_at", nullable=False),
        _time("updated_at", nullable=False),
        _time("published_at", nullable=True),
        _time("expires_at", nullable=True),
        sa.Column("views_count", sa.Integer(), nullable=False),
        sa.Column("rejection_reason", sa.String(500)),
    )
    for name, columns in LISTING_INDEXES.items():
        op.create_index(name, "market_listings", columns)

    op.create_table(
        "market_vehicle_attributes",
        sa.Column(
            "listing_id",
            sa.Integer(),
            sa.ForeignKey("market_listings.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        *(sa.Column(name, type_) for name, type_ in VEHICLE_COLUMNS.items()),
        sa.Column("vin", sa.String(17)),
        sa.Column("is_dealer", sa.Boolean(), nullable=False),
    )
    for name in (*VEHICLE_COLUMNS, "is_dealer"):
        op.create_index(f"ix_market_vehicle_attributes_{name}", "market_vehicle_attributes", [name])

    op.create_table(
        "market_listing_views",
        sa.Column(
            "listing_id",
            sa.Integer(),
            sa.ForeignKey("market_listings.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("viewer", sa.String(80), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
    )


def downgrade() -> None:
    for table in ("market_listing_views", "market_vehicle_attributes", "market_listings"):
        op.drop_table(table)
