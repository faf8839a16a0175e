"""market realty: Realty's properties' attributes and files beside the listings, and the catalog
category `realty` (inactive: MillionAvto's category lists never show it) that every property is filed
under

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

REALTY_CATEGORY_SLUG = "realty"  # storage.models.market_realty's, as of this revision
PROPERTY = sa.text("kind = 'property'")
NOTES = ("features", "equipment", "building_features", "building_name", "developer", "materials",
         "territory_features", "nearby_places", "views", "video_title", "video_url", "services",
         "commission_type", "documents")  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "market_property_attributes",
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("deal_format", sa.String(16), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("subtype", sa.String(16), nullable=True),
        sa.Column("condition", sa.String(16), nullable=True),
        sa.Column("purpose", sa.String(16), nullable=True),
        sa.Column("entry_year", sa.SmallInteger(), nullable=True),
        sa.Column("entry_quarter", sa.SmallInteger(), nullable=True),
        sa.Column("location", sa.String(300), nullable=False),
        sa.Column("city", sa.String(200), nullable=True),
        sa.Column("district", sa.String(100), nullable=True),
        sa.Column("district_key", sa.String(100), nullable=True),
        sa.Column("city_source", sa.String(8), nullable=False),
        sa.Column("district_source", sa.String(8), nullable=False),
        sa.Column("price", sa.Float(), nullable=False),
        sa.Column("rooms", sa.SmallInteger(), nullable=True),
        sa.Column("rooms_count", sa.SmallInteger(), nullable=True),
        sa.Column("floor", sa.SmallInteger(), nullable=True),
        sa.Column("total_area", sa.Float(), nullable=True),
        sa.Column("living_area", sa.Float(), nullable=True),
        sa.Column("ceiling_height", sa.Float(), nullable=True),
        sa.Column("bedrooms", sa.SmallInteger(), nullable=True),
        sa.Column("bathrooms", sa.SmallInteger(), nullable=True),
        sa.Column("building_floors", sa.SmallInteger(), nullable=True),
        sa.Column("building_living_area", sa.Float(), nullable=True),
        sa.Column("apartments", sa.Integer(), nullable=True),
        sa.Column("lifts_per_entrance", sa.Integer(), nullable=True),
        sa.Column("territory_area", sa.Float(), nullable=True),
        sa.Column("commission_amount", sa.Float(), nullable=True),
        *(sa.Column(name, sa.Text(), nullable=True) for name in NOTES),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["market_listings.id"],
            name="fk_market_property_attributes_listing_id_market_listings",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("listing_id", name="pk_market_property_attributes"),
    )
    op.create_index(
        "ix_market_property_attributes_deal_format_type_rooms_count",
        "market_property_attributes",
        ["deal_format", "type", "rooms_count", "total_area"],
    )
    op.create_index(
        "ix_market_property_attributes_district_key", "market_property_attributes", ["district_key"]
    )
    op.create_table(
        "market_property_files",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.String(16), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("thumbnail_key", sa.String(200), nullable=True),
        sa.Column("content_type", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["market_listings.id"],
            name="fk_market_property_files_listing_id_market_listings",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_market_property_files"),
    )
    op.create_index(
        "ix_market_property_files_listing_id_slot_position",
        "market_property_files",
        ["listing_id", "slot", "position"],
    )
    # The realty worker's catch-up pages the properties by their last write, then id.
    op.create_index(
        "ix_market_listings_property_updated_at_id", "market_listings", ["updated_at", "id"],
        postgresql_where=PROPERTY, sqlite_where=PROPERTY,
    )  # fmt: skip
    categories = sa.table(
        "catalog_categories",
        sa.column("name", sa.String),
        sa.column("slug", sa.String),
        sa.column("position", sa.Integer),
        sa.column("is_active", sa.Boolean),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        categories,
        [{"name": "Недвижимость (Realty)", "slug": REALTY_CATEGORY_SLUG, "position": 1001, "is_active": False,
          "created_at": now, "updated_at": now}],
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_market_listings_property_updated_at_id", "market_listings")
    op.drop_table("market_property_files")
    op.drop_table("market_property_attributes")
    op.execute("DELETE FROM market_listings WHERE kind = 'property'")
    op.execute(f"DELETE FROM catalog_categories WHERE slug = '{REALTY_CATEGORY_SLUG}'")
